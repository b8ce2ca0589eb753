/// The layout of `verack`, `getaddr`, `mempool` and `getstatus`: no bytes at all. Any payload byte
/// makes the message malformed (`init(decoding:)` refuses trailing bytes).
public protocol EmptyPayload: MessagePayload {
    init()
}

extension EmptyPayload {
    public static var maximumPayloadSize: Int { 0 }
    public func encode(to writer: inout ByteWriter) {}
    public init(from reader: inout ByteReader) throws(WireError) { self.init() }
}
