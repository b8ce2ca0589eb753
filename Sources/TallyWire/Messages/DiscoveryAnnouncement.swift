/// The UDP datagram a node broadcasts to its network's discovery port so that nodes on the same local
/// network find it (Protocol.md §13.7). Not a TCP message: no envelope. Exactly 58 bytes:
///
/// magic (4) | `TLYD` (4) | protocol version `u32` | node nonce `u64` | TCP port `u16` (little-endian) |
/// best height `u32` | chain work (32, big-endian)
public struct DiscoveryAnnouncement: Hashable, Sendable {
    public static let size = 58
    public static let tag = Array("TLYD".utf8)

    public let network: Network
    public let protocolVersion: UInt32
    /// The nonce of the node's `version` messages: a node ignores its own announcements.
    public let nodeNonce: UInt64
    /// Where the node accepts TCP connections (at the datagram's source IP address).
    public let port: UInt16
    public let bestHeight: UInt32
    public let chainWork: ChainWork

    public init(
        network: Network, protocolVersion: UInt32 = UInt32(ProtocolVersion.current), nodeNonce: UInt64,
        port: UInt16, bestHeight: UInt32, chainWork: ChainWork
    ) {
        self.network = network
        self.protocolVersion = protocolVersion
        self.nodeNonce = nodeNonce
        self.port = port
        self.bestHeight = bestHeight
        self.chainWork = chainWork
    }

    /// The 58 bytes of the datagram.
    public var encoded: [UInt8] {
        var writer = ByteWriter(capacity: Self.size)
        writer.write(bytes: network.magic)
        writer.write(bytes: Self.tag)
        writer.write(protocolVersion)
        writer.write(nodeNonce)
        writer.write(port)
        writer.write(bestHeight)
        writer.write(chainWork)
        return writer.bytes
    }

    /// Decodes a datagram, which must be exactly one announcement for `network`.
    public init(decoding bytes: [UInt8], network: Network) throws(MessageError) {
        // The length first: the magic and tag of a datagram of the wrong size mean nothing.
        guard bytes.count == Self.size else {
            throw .malformedAnnouncement(
                bytes.count < Self.size
                    ? .truncated(needed: Self.size, remaining: bytes.count) : .trailingBytes(bytes.count - Self.size))
        }
        let magic = Array(bytes[0..<4])
        guard magic == network.magic else { throw .wrongMagic(expected: network.magic, found: magic) }
        guard bytes[4..<8].elementsEqual(Self.tag) else {
            throw .malformedAnnouncement(.invalidValue("tag is not TLYD"))
        }
        var reader = ByteReader(Array(bytes[8...]))
        do throws(WireError) {
            self.init(
                network: network, protocolVersion: try reader.readUInt32(), nodeNonce: try reader.readUInt64(),
                port: try reader.readUInt16(), bestHeight: try reader.readUInt32(),
                chainWork: try reader.readChainWork())
            try reader.expectEnd()
        } catch {
            throw .malformedAnnouncement(error)
        }
    }
}
