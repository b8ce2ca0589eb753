import TallyCrypto

/// `getblocktxn`: asks for the transactions of a block announced by `cmpctblock` that the asker could
/// not fill (Protocol.md §13.10, BIP 152). Layout: block hash (32) | count(indexes) ≤ 6,316, each a
/// differentially encoded CompactSize, every index below 6,316.
public struct GetBlockTransactionsMessage: MessagePayload {
    public static let command = "getblocktxn"
    public static let maximumCount = Block.maximumTransactionCount
    /// 32 + 3 + 6,316 = 6,351: one byte per index asked is the most, since a differential index that
    /// needs 3 bytes (253 or more) skips at least 253 positions.
    public static let maximumPayloadSize = 32 + 3 + maximumCount

    public let blockHash: Hash256
    /// Positions in the block, strictly increasing.
    public let indexes: [Int]

    /// Traps unless `indexes` increase strictly and are below 6,316.
    public init(blockHash: Hash256, indexes: [Int]) {
        checkIndexes(indexes, below: Self.maximumCount, Self.command)
        self.blockHash = blockHash
        self.indexes = indexes
    }

    public func encode(to writer: inout ByteWriter) {
        writer.write(blockHash)
        writer.writeCompactSize(indexes.count)
        var next = 0
        for index in indexes {
            writer.writeDifferentialIndex(index, from: next)
            next = index + 1
        }
    }

    public init(from reader: inout ByteReader) throws(WireError) {
        let blockHash = try reader.readHash()
        let count = try reader.readCount(minimumItemSize: 1, limit: Self.maximumCount)
        var next = 0
        let indexes = try reader.readItems(count) { (r: inout ByteReader) throws(WireError) in
            let index = try r.readDifferentialIndex(from: next, below: Self.maximumCount)
            next = index + 1
            return index
        }
        self.init(blockHash: blockHash, indexes: indexes)
    }
}
