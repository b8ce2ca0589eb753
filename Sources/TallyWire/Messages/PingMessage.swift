/// `ping`: a nonce the peer echoes in a `pong` (Protocol.md §13.4). Layout: nonce `u64`.
public struct PingMessage: MessagePayload {
    public static let command = "ping"
    public static let maximumPayloadSize = 8

    public let nonce: UInt64

    public init(nonce: UInt64) { self.nonce = nonce }

    public func encode(to writer: inout ByteWriter) { writer.write(nonce) }
    public init(from reader: inout ByteReader) throws(WireError) { nonce = try reader.readUInt64() }
}
