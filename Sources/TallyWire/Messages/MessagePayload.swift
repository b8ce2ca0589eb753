/// The payload of one peer-to-peer message (Protocol.md §13.4): its command, the largest payload the
/// command may have, and its byte layout. The frame decoder checks a payload length against
/// `maximumPayloadSize` from the 24-byte envelope alone, before reading the payload.
///
/// A value of a conforming type always encodes within its limits (the initialisers check the counts
/// and lengths), so whatever a node sends, its peers can decode.
public protocol MessagePayload: WireCodable, Hashable, Sendable {
    /// The ASCII command in the envelope (at most 12 bytes).
    static var command: String { get }
    /// The largest payload, in bytes, this command can have.
    static var maximumPayloadSize: Int { get }
}

/// Tally's peer-to-peer protocol versions (Protocol.md §13.5).
public enum ProtocolVersion {
    /// The version this node speaks.
    public static let current: Int32 = 2
    /// The oldest version this node accepts from a peer.
    public static let minimumSupported: Int32 = 1
    /// The first version with compact blocks (Protocol.md §13.10): their messages and inventory type
    /// go only to a peer speaking this version or a later one.
    public static let compactBlocks: Int32 = 2

    /// The version to speak with a peer that announced `peer`: the lower of the two, or nil if the
    /// peer is older than `minimumSupported` (it is then disconnected). A peer announcing a higher
    /// version than ours is accepted.
    public static func negotiate(peer: Int32, local: Int32 = current) -> Int32? {
        guard peer >= minimumSupported else { return nil }
        return min(peer, local)
    }
}

/// The `services` bit field of `version` and `addr` (Protocol.md §13.3). Unknown bits are kept.
public struct ServiceFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// `NODE_NETWORK`: a full node that serves blocks.
    public static let network = ServiceFlags(rawValue: 1)
}

// Field encodings shared by the messages (Protocol.md §13.3).

extension ByteReader {
    /// A `u8` that must be 0 or 1.
    mutating func readBool() throws(WireError) -> Bool {
        switch try readUInt8() {
        case 0: false
        case 1: true
        case let other: throw .invalidValue("bool is \(other), not 0 or 1")
        }
    }

    /// A CompactSize byte length and that many bytes of UTF-8, at most `maximumLength` bytes.
    mutating func readVarString(maximumLength: Int) throws(WireError) -> String {
        let raw = try readVarBytes(limit: maximumLength)
        guard let text = String(validating: raw, as: UTF8.self) else { throw .invalidValue("string is not UTF-8") }
        return text
    }

    /// A port: `u16` big-endian, as Bitcoin writes it in a network address.
    mutating func readPort() throws(WireError) -> UInt16 {
        let bytes = try readBytes(2)
        return UInt16(bytes[0]) << 8 | UInt16(bytes[1])
    }

    /// Reads `count` items (a count already checked against the remaining bytes).
    mutating func readItems<T>(_ count: Int, _ read: (inout ByteReader) throws(WireError) -> T) throws(WireError) -> [T]
    {
        var items: [T] = []
        items.reserveCapacity(count)
        for _ in 0..<count { items.append(try read(&self)) }
        return items
    }
}

extension ByteWriter {
    mutating func write(_ value: Bool) { write(UInt8(value ? 1 : 0)) }

    mutating func writeVarString(_ text: String) { writeVarBytes(Array(text.utf8)) }

    mutating func writePort(_ port: UInt16) {
        write(UInt8(port >> 8))
        write(UInt8(port & 0xFF))
    }
}
