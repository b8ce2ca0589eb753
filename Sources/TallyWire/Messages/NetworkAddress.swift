/// A peer's address on the wire (Protocol.md §13.3): 16 bytes of IPv6 address, an IPv4 address being
/// written IPv4-mapped (`::ffff:a.b.c.d`), then the port as a big-endian `u16` (as in Bitcoin).
public struct NetworkAddress: Hashable, Sendable, WireCodable, CustomStringConvertible {
    public static let encodedSize = 18
    /// The first 12 bytes of an IPv4-mapped IPv6 address.
    public static let ipv4MappedPrefix: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF]
    /// `[::]:0`, what a node that does not know an address sends.
    public static let unspecified = NetworkAddress(ipv6: [UInt8](repeating: 0, count: 16), port: 0)

    /// The 16 address bytes, network order.
    public let bytes: [UInt8]
    public let port: UInt16

    /// An address from its 16 bytes (IPv6, or IPv4-mapped).
    public init(ipv6 bytes: [UInt8], port: UInt16) {
        precondition(bytes.count == 16, "an IPv6 address is 16 bytes")
        self.bytes = bytes
        self.port = port
    }

    /// An IPv4 address from its 4 bytes, network order (`[1, 2, 3, 4]` is 1.2.3.4).
    public init(ipv4 octets: [UInt8], port: UInt16) {
        precondition(octets.count == 4, "an IPv4 address is 4 bytes")
        self.init(ipv6: NetworkAddress.ipv4MappedPrefix + octets, port: port)
    }

    /// Whether this is an IPv4-mapped address.
    public var isIPv4: Bool { bytes[0..<12].elementsEqual(NetworkAddress.ipv4MappedPrefix) }

    /// The 4 bytes of an IPv4-mapped address, or nil for another IPv6 address.
    public var ipv4: [UInt8]? { isIPv4 ? Array(bytes[12..<16]) : nil }

    /// `1.2.3.4:5678` for IPv4, `[2001:db8::1]:5678` for IPv6 (RFC 5952: lowercase, the longest run
    /// of two or more zero groups written `::`).
    public var description: String {
        if let ipv4 { return ipv4.map(String.init).joined(separator: ".") + ":\(port)" }
        let groups = (0..<8).map { UInt16(bytes[2 * $0]) << 8 | UInt16(bytes[2 * $0 + 1]) }
        var best = (start: 0, length: 0)
        var i = 0
        while i < 8 {
            var j = i
            while j < 8 && groups[j] == 0 { j += 1 }
            if j - i > best.length { best = (i, j - i) }
            i = j + 1
        }
        let hex = groups.map { String($0, radix: 16) }
        let text =
            best.length >= 2
            ? hex[..<best.start].joined(separator: ":") + "::"
                + hex[(best.start + best.length)...].joined(separator: ":")
            : hex.joined(separator: ":")
        return "[\(text)]:\(port)"
    }

    public func encode(to writer: inout ByteWriter) {
        writer.write(bytes: bytes)
        writer.writePort(port)
    }

    public init(from reader: inout ByteReader) throws(WireError) {
        let bytes = try reader.readBytes(16)
        self.init(ipv6: bytes, port: try reader.readPort())
    }
}
