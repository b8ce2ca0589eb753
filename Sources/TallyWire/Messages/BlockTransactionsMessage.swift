import TallyCrypto

/// `blocktxn`: the transactions a `getblocktxn` asked for, in its order (Protocol.md §13.10, BIP 152).
/// Layout: block hash (32) | count(transactions) ≤ 6,316 | transactions (§3).
public struct BlockTransactionsMessage: MessagePayload {
    public static let command = "blocktxn"
    public static let maximumCount = Block.maximumTransactionCount
    /// 1,048,576 − 80 + 32 = 1,048,528: transactions of one valid block, with the block hash in place of
    /// its header and a count no longer than the block's.
    public static let maximumPayloadSize = Block.maximumSize - BlockHeader.size + 32

    public let blockHash: Hash256
    public let transactions: [Transaction]

    /// Traps if there are more than 6,316 transactions.
    public init(blockHash: Hash256, transactions: [Transaction]) {
        checkCount(transactions.count, Self.maximumCount, Self.command)
        self.blockHash = blockHash
        self.transactions = transactions
    }

    /// The answer to `request` from `block`, the block it names; nil if it asks for a position the
    /// block does not have (the asker's fault).
    public init?(answering request: GetBlockTransactionsMessage, from block: Block) {
        precondition(request.blockHash == block.hash, "blocktxn from another block than the one asked for")
        // The indexes increase: the last is the largest.
        guard (request.indexes.last ?? 0) < block.transactions.count else { return nil }
        self.init(blockHash: block.hash, transactions: request.indexes.map { block.transactions[$0] })
    }

    public func encode(to writer: inout ByteWriter) {
        writer.write(blockHash)
        writer.writeCompactSize(transactions.count)
        for transaction in transactions { transaction.encode(to: &writer) }
    }

    public init(from reader: inout ByteReader) throws(WireError) {
        let blockHash = try reader.readHash()
        let count = try reader.readCount(minimumItemSize: Transaction.minimumEncodedSize, limit: Self.maximumCount)
        self.init(
            blockHash: blockHash,
            transactions: try reader.readItems(count) { (r: inout ByteReader) throws(WireError) in
                try Transaction(from: &r)
            })
    }
}
