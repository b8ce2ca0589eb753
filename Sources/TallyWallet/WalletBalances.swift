import TallyCrypto
import TallyWire

/// What a wallet, or one of its addresses, holds, split so the parts add up: `total` is what it will
/// hold once everything pending is mined (`spendable + immature + pendingIn`); `pendingOut` is what
/// its unmined payments take away (the amounts paid plus their fees), already left out of `total`.
public struct Balances: Sendable, Equatable {
    /// Confirmed coins that can be spent in the next block (coinbases only once mature).
    public var spendable: UInt64 = 0
    /// Confirmed coinbase outputs younger than the coinbase maturity.
    public var immature: UInt64 = 0
    /// Unconfirmed coins paid to the wallet, the change of its own unmined payments included.
    public var pendingIn: UInt64 = 0
    /// Amounts paid plus fees of this wallet's unmined payments.
    public var pendingOut: UInt64 = 0

    public init() {}

    public var total: UInt64 { spendable + immature + pendingIn }

    static func + (a: Balances, b: Balances) -> Balances {
        var sum = a
        sum.spendable += b.spendable
        sum.immature += b.immature
        sum.pendingIn += b.pendingIn
        sum.pendingOut += b.pendingOut
        return sum
    }
}

extension WalletState {
    /// Whether a confirmed coin can be spent by a transaction in the block after `scannedHeight`.
    public func isSpendable(_ coin: Coin, maturity: UInt32) -> Bool {
        guard let height = coin.height else { return false }
        return !coin.coinbase || (scannedHeight ?? 0) + 1 - height >= maturity
    }

    /// The balances of every address, keyed by address.
    public func balances(maturity: UInt32) -> [Address: Balances] {
        var result: [Address: Balances] = [:]
        for coin in utxos {
            if coin.height == nil {
                result[coin.address, default: Balances()].pendingIn += coin.amount
            } else if isSpendable(coin, maturity: maturity) {
                result[coin.address, default: Balances()].spendable += coin.amount
            } else {
                result[coin.address, default: Balances()].immature += coin.amount
            }
        }
        // Each unmined payment's outflow (what it spends minus what comes back to the wallet) is
        // charged to the addresses it spends from, in input order, so the per-address figures add
        // up to the wallet's.
        let ours = Set(addresses.map(\.address.hash))
        for tx in outgoingTransactions {
            let spent = tx.inputs.compactMap { input in pendingSpent.first { $0.outpoint == input.outpoint } }
            let back = tx.outputs.filter { ours.contains($0.address) }.reduce(0) { $0 + $1.amount }
            var outflow = spent.reduce(0) { $0 + $1.amount } - min(back, spent.reduce(0) { $0 + $1.amount })
            for coin in spent where outflow > 0 {
                let share = min(coin.amount, outflow)
                result[coin.address, default: Balances()].pendingOut += share
                outflow -= share
            }
        }
        return result
    }

    /// The whole wallet's balances.
    public func totalBalances(maturity: UInt32) -> Balances {
        balances(maturity: maturity).values.reduce(Balances(), +)
    }

    /// This wallet's own payments not mined yet: sent (`pending`) and saved but not yet sent.
    public var outgoingTransactions: [Transaction] {
        (pending + unbroadcast).compactMap { hex in Hex.decode(hex).flatMap { try? Transaction(decoding: $0) } }
    }

    /// Forgets an unmined payment of this wallet and every unmined payment spending its outputs:
    /// the coins they spent become spendable again, the outputs they created and their history
    /// entries go. Returns the txids abandoned, empty when `txid` is not an unmined payment of ours.
    public mutating func abandon(_ txid: Hash256) -> [Hash256] {
        guard outgoingTransactions.contains(where: { $0.txid == txid }) else { return [] }
        var abandoned: [Hash256] = []
        var queue = [txid]
        while let next = queue.popLast(), abandoned.count < 10_000 {
            guard !abandoned.contains(next), let tx = outgoingTransactions.first(where: { $0.txid == next }) else {
                continue
            }
            abandoned.append(next)
            for input in tx.inputs {
                if let index = pendingSpent.firstIndex(where: { $0.outpoint == input.outpoint }) {
                    utxos.append(pendingSpent.remove(at: index))
                }
            }
            utxos.removeAll { $0.outpoint.txid == next }
            history.removeAll { $0.txid == next && $0.height == nil }
            let isOurs = { (hex: String) in Hex.decode(hex).flatMap { try? Transaction(decoding: $0) }?.txid == next }
            pending.removeAll(where: isOurs)
            unbroadcast.removeAll(where: isOurs)
            // Children spending its outputs can never be mined either.
            queue += outgoingTransactions.filter { child in child.inputs.contains { $0.outpoint.txid == next } }.map(
                \.txid)
        }
        return abandoned
    }

    /// Moves a payment from unbroadcast to pending: a node took it.
    public mutating func markSent(_ txid: Hash256) {
        let matches = { (hex: String) in Hex.decode(hex).flatMap { try? Transaction(decoding: $0) }?.txid == txid }
        let moved = unbroadcast.filter(matches)
        unbroadcast.removeAll(where: matches)
        for hex in moved where !pending.contains(hex) { pending.append(hex) }
    }
}
