/// `version`: the first message each side of a connection sends (Protocol.md §13.4, §13.5). Laid out
/// as Bitcoin's; the layout is the same at every protocol version.
public struct VersionMessage: MessagePayload {
    public static let command = "version"
    public static let maximumUserAgentLength = 256
    /// The longest `version` is 344 bytes (a 256-byte user agent); the limit leaves some room.
    public static let maximumPayloadSize = 400

    /// The sender's protocol version; a peer may announce a higher one than ours
    /// (`ProtocolVersion.negotiate`).
    public let protocolVersion: Int32
    public let services: ServiceFlags
    /// The sender's clock, Unix seconds.
    public let timestamp: Int64
    /// The services the sender believes the receiver has.
    public let receiverServices: ServiceFlags
    /// The receiver's address as the sender sees it.
    public let receiverAddress: NetworkAddress
    public let senderServices: ServiceFlags
    /// Where the sender listens, or `NetworkAddress.unspecified`.
    public let senderAddress: NetworkAddress
    /// Random per node: a `version` carrying our own nonce is a connection to ourselves.
    public let nonce: UInt64
    /// At most 256 bytes of UTF-8, e.g. `/tallyd:0.1.0/`.
    public let userAgent: String
    /// The height of the sender's active chain.
    public let startHeight: Int32
    /// false: announce no transactions to the sender.
    public let relay: Bool

    /// Traps if `userAgent` is longer than 256 bytes.
    public init(
        protocolVersion: Int32 = ProtocolVersion.current, services: ServiceFlags, timestamp: Int64,
        receiverServices: ServiceFlags, receiverAddress: NetworkAddress,
        senderServices: ServiceFlags, senderAddress: NetworkAddress,
        nonce: UInt64, userAgent: String, startHeight: Int32, relay: Bool
    ) {
        precondition(userAgent.utf8.count <= Self.maximumUserAgentLength, "user agent longer than 256 bytes")
        self.protocolVersion = protocolVersion
        self.services = services
        self.timestamp = timestamp
        self.receiverServices = receiverServices
        self.receiverAddress = receiverAddress
        self.senderServices = senderServices
        self.senderAddress = senderAddress
        self.nonce = nonce
        self.userAgent = userAgent
        self.startHeight = startHeight
        self.relay = relay
    }

    public func encode(to writer: inout ByteWriter) {
        writer.write(protocolVersion)
        writer.write(services.rawValue)
        writer.write(timestamp)
        writer.write(receiverServices.rawValue)
        receiverAddress.encode(to: &writer)
        writer.write(senderServices.rawValue)
        senderAddress.encode(to: &writer)
        writer.write(nonce)
        writer.writeVarString(userAgent)
        writer.write(startHeight)
        writer.write(relay)
    }

    public init(from reader: inout ByteReader) throws(WireError) {
        protocolVersion = try reader.readInt32()
        services = ServiceFlags(rawValue: try reader.readUInt64())
        timestamp = try reader.readInt64()
        receiverServices = ServiceFlags(rawValue: try reader.readUInt64())
        receiverAddress = try NetworkAddress(from: &reader)
        senderServices = ServiceFlags(rawValue: try reader.readUInt64())
        senderAddress = try NetworkAddress(from: &reader)
        nonce = try reader.readUInt64()
        userAgent = try reader.readVarString(maximumLength: Self.maximumUserAgentLength)
        startHeight = try reader.readInt32()
        relay = try reader.readBool()
    }
}
