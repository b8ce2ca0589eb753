import TallyCrypto
import TallyWire

/// Brings a wallet's coins and history up to date from blocks and unconfirmed transactions. Pure:
/// the caller fetches the blocks (light-client sync) and saves the state.
public enum WalletScanner {
    /// Applies a block of the active chain at `height`: outputs to the wallet's addresses become
    /// coins (confirmed), coins it spends leave, and history gains an entry for every transaction
    /// that moves the wallet's money. A transaction already known as pending is confirmed in place.
    public static func apply(_ block: Block, height: UInt32, to state: inout WalletState) {
        for tx in block.transactions { apply(tx, height: height, to: &state) }
        state.scannedHeight = height
        state.scannedTip = block.hash
    }

    /// Applies an unconfirmed transaction (from the node's mempool, or one this wallet sent).
    public static func applyPending(_ tx: Transaction, to state: inout WalletState) {
        apply(tx, height: nil, to: &state)
    }

    private static func apply(_ tx: Transaction, height: UInt32?, to state: inout WalletState) {
        let ours = Dictionary(
            state.addresses.map { ($0.address.hash, $0.address) }, uniquingKeysWith: { first, _ in first })
        var spent: UInt64 = 0
        for input in tx.inputs where !input.outpoint.isNull {
            if let index = state.utxos.firstIndex(where: { $0.outpoint == input.outpoint }) {
                spent += state.utxos[index].amount
                let coin = state.utxos.remove(at: index)
                if height == nil { state.pendingSpent.append(coin) }
            } else if height != nil, let index = state.pendingSpent.firstIndex(where: { $0.outpoint == input.outpoint })
            {
                // A spend seen while pending is now in a block.
                state.pendingSpent.remove(at: index)
            }
        }
        var received: UInt64 = 0
        for (i, output) in tx.outputs.enumerated() {
            guard let address = ours[output.address] else { continue }
            received += output.amount
            state.markUsed(address)
            let outpoint = OutPoint(txid: tx.txid, index: UInt32(i))
            if let index = state.utxos.firstIndex(where: { $0.outpoint == outpoint }) {
                state.utxos[index].height = height
            } else {
                state.utxos.append(
                    WalletState.Coin(
                        outpoint: outpoint, amount: output.amount, address: address,
                        height: height, coinbase: tx.isCoinbase))
            }
        }
        if let index = state.history.firstIndex(where: { $0.txid == tx.txid }) {
            state.history[index].height = height ?? state.history[index].height
        } else if spent > 0 || received > 0 {
            state.history.append(
                WalletState.HistoryEntry(
                    txid: tx.txid, height: height,
                    netAmount: Int64(received) - Int64(spent)))
        }
    }

    /// Forgets everything learnt from blocks, keeping the addresses: for a full rescan after the
    /// node's chain no longer contains the block the wallet last scanned (a reorganisation).
    public static func reset(_ state: inout WalletState) {
        state.utxos.removeAll()
        state.history.removeAll()
        state.pendingSpent.removeAll()
        state.scannedHeight = nil
        state.scannedTip = nil
    }
}
