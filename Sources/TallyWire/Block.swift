import TallyCrypto

public struct Block: Hashable, Sendable, WireCodable {
    public var header: BlockHeader
    public var transactions: [Transaction]

    /// Largest serialized block the consensus rules allow (rule R8).
    public static let maximumSize = 1_048_576
    /// The most transactions a valid block can hold, 6,316: the size limit less the header and the
    /// longest transaction count (3 bytes), over the smallest valid transaction (rule R15). Compact-block
    /// messages bound their counts and indexes by it (Protocol.md §13.10).
    public static let maximumTransactionCount = (maximumSize - BlockHeader.size - 3) / Transaction.minimumSize

    public init(header: BlockHeader, transactions: [Transaction]) {
        self.header = header
        self.transactions = transactions
    }

    public var hash: Hash256 { header.hash }

    public func encode(to writer: inout ByteWriter) {
        header.encode(to: &writer)
        writer.writeCompactSize(transactions.count)
        for tx in transactions { tx.encode(to: &writer) }
    }

    /// The serialized bytes, written into a buffer made at their size: a block is large, and a
    /// buffer grown by doubling copies it about twice over on the way.
    public var encoded: [UInt8] {
        var writer = ByteWriter(capacity: size)
        encode(to: &writer)
        return writer.bytes
    }

    public init(from reader: inout ByteReader) throws(WireError) {
        header = try BlockHeader(from: &reader)
        let count = try reader.readCount(minimumItemSize: Transaction.minimumEncodedSize)
        var transactions: [Transaction] = []
        transactions.reserveCapacity(count)
        for _ in 0..<count { transactions.append(try Transaction(from: &reader)) }
        self.transactions = transactions
    }

    /// The serialized size, computed without serializing.
    public var size: Int {
        var writer = ByteWriter(capacity: 9)
        writer.writeCompactSize(transactions.count)
        return BlockHeader.size + writer.bytes.count + transactions.reduce(0) { $0 + $1.size }
    }
}

public enum MerkleTree {
    /// The root over the given leaves (wtxids). Pairs are hashed with SHA256d(left ‖ right); a node
    /// left without a partner at the end of a level is carried up unchanged rather than paired with
    /// itself, so no two different leaf lists share a root (Bitcoin's duplication, CVE-2012-2459,
    /// does not exist here). A single leaf is its own root.
    public static func root(_ leaves: [Hash256]) -> Hash256 {
        guard !leaves.isEmpty else { return .zero }
        var level = leaves
        while level.count > 1 {
            var next: [Hash256] = []
            next.reserveCapacity((level.count + 1) / 2)
            var i = 0
            while i + 1 < level.count {
                next.append(SHA256.doubleHash(level[i], level[i + 1]))
                i += 2
            }
            if i < level.count { next.append(level[i]) }
            level = next
        }
        return level[0]
    }
}

extension Block {
    public var computedMerkleRoot: Hash256 { MerkleTree.root(transactions.map(\.wtxid)) }
}
