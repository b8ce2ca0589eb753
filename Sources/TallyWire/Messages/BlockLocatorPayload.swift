import TallyCrypto

/// The layout `getblocks` and `getheaders` share (Protocol.md §13.4): version `u32` |
/// count(locator hashes) ≤ 101 | hash stop (32; all zero = as many as allowed).
public protocol BlockLocatorPayload: MessagePayload {
    /// The sender's protocol version (informative).
    var version: UInt32 { get }
    /// Block hashes of the sender's active chain, newest first, genesis last.
    var locator: [Hash256] { get }
    /// The last block wanted, or zero for as many as the reply allows.
    var hashStop: Hash256 { get }
    /// Traps if `locator` holds more than `maximumLocatorCount` hashes.
    init(version: UInt32, locator: [Hash256], hashStop: Hash256)
}

extension BlockLocatorPayload {
    public static var maximumLocatorCount: Int { 101 }
    /// 4 + 1 (CompactSize of 101) + 101 × 32 + 32 = 3,269.
    public static var maximumPayloadSize: Int { 4 + 1 + maximumLocatorCount * 32 + 32 }

    public func encode(to writer: inout ByteWriter) {
        writer.write(version)
        writer.writeCompactSize(locator.count)
        for hash in locator { writer.write(hash) }
        writer.write(hashStop)
    }

    public init(from reader: inout ByteReader) throws(WireError) {
        let version = try reader.readUInt32()
        let count = try reader.readCount(minimumItemSize: 32, limit: Self.maximumLocatorCount)
        let locator = try reader.readItems(count) { (r: inout ByteReader) throws(WireError) in try r.readHash() }
        self.init(version: version, locator: locator, hashStop: try reader.readHash())
    }
}
