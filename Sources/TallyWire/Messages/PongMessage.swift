/// `pong`: answers a `ping` with its nonce (Protocol.md §13.4). Layout: nonce `u64`.
public struct PongMessage: MessagePayload {
    public static let command = "pong"
    public static let maximumPayloadSize = 8

    public let nonce: UInt64

    public init(nonce: UInt64) { self.nonce = nonce }

    public func encode(to writer: inout ByteWriter) { writer.write(nonce) }
    public init(from reader: inout ByteReader) throws(WireError) { nonce = try reader.readUInt64() }
}
