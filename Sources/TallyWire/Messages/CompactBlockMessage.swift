import TallyCrypto

/// `cmpctblock`: a block as its header, a 6-byte short id for each transaction the receiver should
/// already have, and the others in full (Protocol.md §13.10, BIP 152). Layout: header (80) | nonce
/// `u64` | count(short ids), 6 bytes each | count(prefilled), each a differentially encoded index and
/// a transaction; the short ids and prefilled transactions add up to at most 6,316 transactions.
public struct CompactBlockMessage: MessagePayload {
    public static let command = "cmpctblock"
    /// 1,048,576 + 9 + 6,316 = 1,054,901. A short id (6 bytes) is always smaller than the transaction
    /// it stands for (166 bytes at least), so a valid block's largest compact form prefills every
    /// transaction: the block's bytes plus the nonce, an empty short-id count and one index byte each.
    public static let maximumPayloadSize = Block.maximumSize + 8 + 1 + Block.maximumTransactionCount
    /// A short id keeps the low 48 bits of its SipHash-2-4.
    public static let shortIDMask: UInt64 = 0xFFFF_FFFF_FFFF

    /// A transaction sent in full, at its position in the block.
    public struct PrefilledTransaction: Hashable, Sendable {
        public let index: Int
        public let transaction: Transaction

        public init(index: Int, transaction: Transaction) {
            self.index = index
            self.transaction = transaction
        }
    }

    public let header: BlockHeader
    /// Chosen at random by the sender for each message: it keys the short ids.
    public let nonce: UInt64
    /// The short ids of the transactions not prefilled, in block order, each within 48 bits.
    public let shortIDs: [UInt64]
    /// In increasing order of index.
    public let prefilledTransactions: [PrefilledTransaction]
    /// The SipHash key of this message's short ids, made from its header and nonce.
    public let shortIDKey: SipHash.Key

    /// Traps unless the message is one a peer can decode: at least one and at most 6,316 transactions,
    /// short ids within 48 bits, prefilled indexes strictly increasing and below the transaction count.
    public init(header: BlockHeader, nonce: UInt64, shortIDs: [UInt64], prefilledTransactions: [PrefilledTransaction]) {
        let count = shortIDs.count + prefilledTransactions.count
        precondition(count > 0, "\(Self.command): a block holds at least its coinbase")
        checkCount(count, Block.maximumTransactionCount, Self.command)
        precondition(shortIDs.allSatisfy { $0 <= Self.shortIDMask }, "\(Self.command): a short id is 48 bits")
        checkIndexes(prefilledTransactions.lazy.map(\.index), below: count, Self.command)
        self.header = header
        self.nonce = nonce
        self.shortIDs = shortIDs
        self.prefilledTransactions = prefilledTransactions
        shortIDKey = Self.shortIDKey(header: header, nonce: nonce)
    }

    /// The compact form of `block` under `nonce`: the coinbase and the transactions at
    /// `prefilledIndexes` in full, a short id for each other. Traps if an index is not one of the block's
    /// transactions, or the block holds none or more than 6,316.
    public init(block: Block, nonce: UInt64, prefilledIndexes: [Int] = []) {
        let transactions = block.transactions
        precondition(!transactions.isEmpty, "\(Self.command): a block holds at least its coinbase")
        precondition(prefilledIndexes.allSatisfy(transactions.indices.contains), "prefilled index outside the block")
        let prefilled = Set(prefilledIndexes + [0])
        let key = Self.shortIDKey(header: block.header, nonce: nonce)
        var shortIDs: [UInt64] = []
        shortIDs.reserveCapacity(transactions.count - prefilled.count)
        for (index, transaction) in transactions.enumerated() where !prefilled.contains(index) {
            shortIDs.append(Self.shortID(for: transaction.wtxid, key: key))
        }
        self.init(
            header: block.header, nonce: nonce, shortIDs: shortIDs,
            prefilledTransactions: prefilled.sorted().map {
                PrefilledTransaction(index: $0, transaction: transactions[$0])
            })
    }

    /// The block's transaction count: short ids and prefilled transactions together.
    public var transactionCount: Int { shortIDs.count + prefilledTransactions.count }

    /// The short id this message gives the transaction with `wtxid`.
    public func shortID(for wtxid: Hash256) -> UInt64 { Self.shortID(for: wtxid, key: shortIDKey) }

    /// The first 16 bytes of single SHA-256 of the header's 80 bytes and the nonce (little-endian).
    public static func shortIDKey(header: BlockHeader, nonce: UInt64) -> SipHash.Key {
        var writer = ByteWriter(capacity: BlockHeader.size + 8)
        header.encode(to: &writer)
        writer.write(nonce)
        let digest = SHA256.hash(writer.bytes)
        return SipHash.Key(k0: digest.w0, k1: digest.w1)
    }

    /// SipHash-2-4 of the wtxid's 32 wire bytes under `key`, its low 48 bits.
    public static func shortID(for wtxid: Hash256, key: SipHash.Key) -> UInt64 {
        SipHash.hash(wtxid, key: key) & shortIDMask
    }

    public func encode(to writer: inout ByteWriter) {
        header.encode(to: &writer)
        writer.write(nonce)
        writer.writeCompactSize(shortIDs.count)
        for shortID in shortIDs {
            writer.write(UInt32(truncatingIfNeeded: shortID))
            writer.write(UInt16(truncatingIfNeeded: shortID >> 32))
        }
        writer.writeCompactSize(prefilledTransactions.count)
        var next = 0
        for prefilled in prefilledTransactions {
            writer.writeDifferentialIndex(prefilled.index, from: next)
            next = prefilled.index + 1
            prefilled.transaction.encode(to: &writer)
        }
    }

    public init(from reader: inout ByteReader) throws(WireError) {
        let header = try BlockHeader(from: &reader)
        let nonce = try reader.readUInt64()
        let shortIDCount = try reader.readCount(minimumItemSize: 6, limit: Block.maximumTransactionCount)
        let shortIDs = try reader.readItems(shortIDCount) { (r: inout ByteReader) throws(WireError) in
            UInt64(try r.readUInt32()) | UInt64(try r.readUInt16()) << 32
        }
        let prefilledCount = try reader.readCount(
            minimumItemSize: 1 + Transaction.minimumEncodedSize, limit: Block.maximumTransactionCount - shortIDCount)
        let count = shortIDCount + prefilledCount
        guard count > 0 else { throw .invalidValue("cmpctblock of no transaction: a block holds its coinbase") }
        var next = 0
        let prefilled = try reader.readItems(prefilledCount) { (r: inout ByteReader) throws(WireError) in
            let index = try r.readDifferentialIndex(from: next, below: count)
            next = index + 1
            return PrefilledTransaction(index: index, transaction: try Transaction(from: &r))
        }
        self.init(header: header, nonce: nonce, shortIDs: shortIDs, prefilledTransactions: prefilled)
    }
}
