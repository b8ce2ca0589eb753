import TallyChain
import TallyCrypto
import TallyMempool
import TallyWire

/// Builds the next block for the active tip: a coinbase paying subsidy plus fees to the miner, then
/// mempool transactions by fee rate, parents first.
public enum BlockAssembler {
    /// A block ready for nonce search (its nonce is 0) on the active tip.
    public static func template(
        chain: ChainState, mempool: Mempool, payTo address: AddressHash, now: UInt32,
        extraNonce: UInt64 = 0, tag: [UInt8] = Array("tallyd".utf8)
    ) -> Block {
        let coinbaseReserve = Transaction.minimumSize + 64
        let transactions = mempool.blockTransactions(
            maximumBytes: Block.maximumSize - BlockHeader.size - 9 - coinbaseReserve)
        return block(
            on: chain.tip, transactions: transactions, fees: mempool.totalFees(of: transactions), payTo: address,
            now: now, parameters: chain.parameters, extraNonce: extraNonce, tag: tag)
    }

    /// A block on `parent` holding `transactions` after a coinbase that pays subsidy plus `fees`
    /// to `address`; its time is `now`, or just past the median time past if that is later.
    public static func block(
        on parent: BlockIndexEntry, transactions: [Transaction], fees: UInt64, payTo address: AddressHash,
        now: UInt32, parameters: ChainParameters, extraNonce: UInt64 = 0,
        tag: [UInt8] = Array("tallyd".utf8)
    ) -> Block {
        let height = parent.height + 1
        let reward = Subsidy.amount(height: height, parameters: parameters) + fees
        let coinbase = Transaction.coinbase(
            CoinbaseData(height: height, extraNonce: extraNonce, tag: tag),
            outputs: [TxOutput(amount: reward, address: address)])
        let all = [coinbase] + transactions
        let header = BlockHeader(
            version: 1, previousBlockHash: parent.hash, merkleRoot: MerkleTree.root(all.map(\.wtxid)),
            time: max(now, parent.medianTimePast() + 1),
            bits: Difficulty.requiredBits(after: parent, parameters: parameters),
            nonce: 0)
        return Block(header: header, transactions: all)
    }

    /// Replaces the coinbase's extra nonce (and so the merkle root), for when the nonces run out.
    public static func withExtraNonce(_ block: Block, _ extraNonce: UInt64) -> Block {
        var data = block.transactions[0].coinbaseData!
        data.extraNonce = extraNonce
        let coinbase = Transaction.coinbase(data, outputs: block.transactions[0].outputs)
        let all = [coinbase] + block.transactions.dropFirst()
        var header = block.header
        header.merkleRoot = MerkleTree.root(all.map(\.wtxid))
        return Block(header: header, transactions: all)
    }
}
