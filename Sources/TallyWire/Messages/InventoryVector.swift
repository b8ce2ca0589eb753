import TallyCrypto

/// The type of an inventory vector (Protocol.md §13.3). Types other than 1, 2 and 4 decode and are
/// kept, so that a receiver ignores what it does not know instead of punishing the sender.
public struct InventoryType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// `MSG_TX`: the hash is a txid.
    public static let transaction = InventoryType(rawValue: 1)
    /// `MSG_BLOCK`: the hash is a block hash.
    public static let block = InventoryType(rawValue: 2)
    /// `MSG_CMPCT_BLOCK`, only in `getdata` to a peer speaking protocol version 2: the block hash of a
    /// block wanted as `cmpctblock` (Protocol.md §13.10).
    public static let compactBlock = InventoryType(rawValue: 4)

    /// Whether the node serves and learns from vectors of this type.
    public var isKnown: Bool { self == .transaction || self == .block || self == .compactBlock }

    public var description: String {
        switch self {
        case .transaction: "tx"
        case .block: "block"
        case .compactBlock: "cmpctblock"
        default: "unknown(\(rawValue))"
        }
    }
}

/// One entry of `inv`, `getdata` and `notfound`: a type and a hash (36 bytes).
public struct InventoryVector: Hashable, Sendable, WireCodable, CustomStringConvertible {
    public static let encodedSize = 36

    public let type: InventoryType
    public let hash: Hash256

    public init(type: InventoryType, hash: Hash256) {
        self.type = type
        self.hash = hash
    }

    public static func transaction(_ txid: Hash256) -> InventoryVector {
        InventoryVector(type: .transaction, hash: txid)
    }
    public static func block(_ hash: Hash256) -> InventoryVector { InventoryVector(type: .block, hash: hash) }

    public func encode(to writer: inout ByteWriter) {
        writer.write(type.rawValue)
        writer.write(hash)
    }

    public init(from reader: inout ByteReader) throws(WireError) {
        type = InventoryType(rawValue: try reader.readUInt32())
        hash = try reader.readHash()
    }

    public var description: String { "\(type) \(hash)" }
}

/// The layout `inv`, `getdata` and `notfound` share: count(inventory vectors) ≤ 50,000.
public protocol InventoryListPayload: MessagePayload {
    var inventory: [InventoryVector] { get }
    /// Traps if `inventory` holds more than `maximumCount` entries.
    init(inventory: [InventoryVector])
}

extension InventoryListPayload {
    public static var maximumCount: Int { 50_000 }
    /// CompactSize of 50,000 (3 bytes) + 50,000 × 36 = 1,800,003.
    public static var maximumPayloadSize: Int { 3 + maximumCount * InventoryVector.encodedSize }

    public func encode(to writer: inout ByteWriter) {
        writer.writeCompactSize(inventory.count)
        for item in inventory { item.encode(to: &writer) }
    }

    public init(from reader: inout ByteReader) throws(WireError) {
        let count = try reader.readCount(minimumItemSize: InventoryVector.encodedSize, limit: Self.maximumCount)
        self.init(
            inventory: try reader.readItems(count) { (r: inout ByteReader) throws(WireError) in
                try InventoryVector(from: &r)
            })
    }
}

/// Traps unless `count` ≤ `limit`: a message built by this node must be one its peers can decode.
func checkCount(_ count: Int, _ limit: Int, _ what: String) {
    precondition(count <= limit, "\(what): \(count) entries, the protocol allows \(limit)")
}
