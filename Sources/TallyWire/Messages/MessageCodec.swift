/// Turns messages into frames (envelope + payload) for one network and back (Protocol.md §13.1).
///
/// Reading a stream: `decodeFrame(_:at:)` returns nil until a whole frame is there, but checks the
/// envelope (magic, command, length against the command's limit) as soon as its 24 bytes are, so a
/// lying length is refused before the payload is buffered. A networking layer that buffers on its
/// own can do the same in steps: `MessageHeader(decoding:network:)` on 24 bytes, then
/// `header.verifyChecksum(of:)` and `MessageCodec.decodePayload(command:payload:)` on the payload.
public struct MessageCodec: Sendable {
    public let network: Network

    public init(network: Network) { self.network = network }

    /// The commands this version knows, in the order of Protocol.md §13.4, then the compact blocks of
    /// §13.10. New commands go at the end: the fuzz targets pick commands by their position here.
    public static let knownCommands: [String] = [
        VersionMessage.command, VerackMessage.command, PingMessage.command, PongMessage.command,
        InvMessage.command, GetDataMessage.command, NotFoundMessage.command,
        GetBlocksMessage.command, GetHeadersMessage.command, HeadersMessage.command,
        Block.command, Transaction.command, GetAddrMessage.command, AddrMessage.command,
        MempoolMessage.command, RejectMessage.command, GetStatusMessage.command, StatusMessage.command,
        SendCompactMessage.command, CompactBlockMessage.command, GetBlockTransactionsMessage.command,
        BlockTransactionsMessage.command,
    ]

    private static let limits: [String: Int] = [
        VersionMessage.command: VersionMessage.maximumPayloadSize,
        VerackMessage.command: VerackMessage.maximumPayloadSize,
        PingMessage.command: PingMessage.maximumPayloadSize,
        PongMessage.command: PongMessage.maximumPayloadSize,
        InvMessage.command: InvMessage.maximumPayloadSize,
        GetDataMessage.command: GetDataMessage.maximumPayloadSize,
        NotFoundMessage.command: NotFoundMessage.maximumPayloadSize,
        GetBlocksMessage.command: GetBlocksMessage.maximumPayloadSize,
        GetHeadersMessage.command: GetHeadersMessage.maximumPayloadSize,
        HeadersMessage.command: HeadersMessage.maximumPayloadSize,
        Block.command: Block.maximumPayloadSize,
        Transaction.command: Transaction.maximumPayloadSize,
        GetAddrMessage.command: GetAddrMessage.maximumPayloadSize,
        AddrMessage.command: AddrMessage.maximumPayloadSize,
        MempoolMessage.command: MempoolMessage.maximumPayloadSize,
        RejectMessage.command: RejectMessage.maximumPayloadSize,
        GetStatusMessage.command: GetStatusMessage.maximumPayloadSize,
        StatusMessage.command: StatusMessage.maximumPayloadSize,
        SendCompactMessage.command: SendCompactMessage.maximumPayloadSize,
        CompactBlockMessage.command: CompactBlockMessage.maximumPayloadSize,
        GetBlockTransactionsMessage.command: GetBlockTransactionsMessage.maximumPayloadSize,
        BlockTransactionsMessage.command: BlockTransactionsMessage.maximumPayloadSize,
    ]

    /// The largest payload `command` may have: its own limit, or the global 4,000,000 bytes for an
    /// unknown command (Protocol.md §13.6).
    public static func maximumPayloadSize(forCommand command: String) -> Int {
        limits[command] ?? MessageHeader.maximumPayloadSize
    }

    // MARK: Encoding

    /// The frame for `message`: the 24-byte envelope, then the payload. Traps if the payload is over
    /// its command's limit (only a value carrying whole transactions can be: a `Block`, a
    /// `Transaction`, a `CompactBlockMessage` or a `BlockTransactionsMessage`) or an unknown message's
    /// command cannot be sent.
    public func encode(_ message: Message) -> [UInt8] {
        let (envelope, payload) = frame(message)
        return envelope + payload
    }

    /// The frame for `message` in its two parts, for a writer that copies them into a buffer of its
    /// own without joining them first.
    public func frame(_ message: Message) -> (envelope: [UInt8], payload: [UInt8]) {
        let payload = message.payload
        let limit = MessageCodec.maximumPayloadSize(forCommand: message.command)
        precondition(
            payload.count <= limit, "'\(message.command)' payload of \(payload.count) bytes over its limit \(limit)")
        return (MessageHeader(network: network, command: message.command, payload: payload).encoded, payload)
    }

    // MARK: Decoding

    /// Decodes the payload of a message whose envelope announced `command` (and whose checksum was
    /// verified). An unknown command gives `.unknown`, never an error. A payload over the command's
    /// limit, or one that does not decode exactly (trailing bytes included), throws.
    public static func decodePayload(command: String, payload: [UInt8]) throws(MessageError) -> Message {
        let limit = maximumPayloadSize(forCommand: command)
        guard payload.count <= limit else {
            throw .payloadTooLarge(command: command, length: UInt64(payload.count), limit: limit)
        }
        do throws(WireError) {
            switch command {
            case VersionMessage.command: return .version(try VersionMessage(decoding: payload))
            case VerackMessage.command:
                _ = try VerackMessage(decoding: payload)
                return .verack
            case PingMessage.command: return .ping(try PingMessage(decoding: payload))
            case PongMessage.command: return .pong(try PongMessage(decoding: payload))
            case InvMessage.command: return .inv(try InvMessage(decoding: payload))
            case GetDataMessage.command: return .getData(try GetDataMessage(decoding: payload))
            case NotFoundMessage.command: return .notFound(try NotFoundMessage(decoding: payload))
            case GetBlocksMessage.command: return .getBlocks(try GetBlocksMessage(decoding: payload))
            case GetHeadersMessage.command: return .getHeaders(try GetHeadersMessage(decoding: payload))
            case HeadersMessage.command: return .headers(try HeadersMessage(decoding: payload))
            case Block.command: return .block(try Block(decoding: payload))
            case Transaction.command: return .tx(try Transaction(decoding: payload))
            case GetAddrMessage.command:
                _ = try GetAddrMessage(decoding: payload)
                return .getAddr
            case AddrMessage.command: return .addr(try AddrMessage(decoding: payload))
            case MempoolMessage.command:
                _ = try MempoolMessage(decoding: payload)
                return .mempool
            case RejectMessage.command: return .reject(try RejectMessage(decoding: payload))
            case GetStatusMessage.command:
                _ = try GetStatusMessage(decoding: payload)
                return .getStatus
            case StatusMessage.command: return .status(try StatusMessage(decoding: payload))
            case SendCompactMessage.command: return .sendCompact(try SendCompactMessage(decoding: payload))
            case CompactBlockMessage.command: return .compactBlock(try CompactBlockMessage(decoding: payload))
            case GetBlockTransactionsMessage.command:
                return .getBlockTransactions(try GetBlockTransactionsMessage(decoding: payload))
            case BlockTransactionsMessage.command:
                return .blockTransactions(try BlockTransactionsMessage(decoding: payload))
            default: return .unknown(command: command, payload: payload)
            }
        } catch {
            throw .malformedPayload(command: command, error)
        }
    }

    /// Decodes the frame that starts at `offset` in `buffer` (a stream may hold several; the next
    /// starts at `offset + byteCount`). Returns nil while more bytes are needed. The envelope is
    /// checked as soon as its 24 bytes are in, so a wrong magic, a malformed command or an oversize
    /// length throws without waiting for the payload; then a checksum mismatch or a malformed
    /// payload throws. After any error the stream cannot be trusted: close the connection.
    public func decodeFrame(
        _ buffer: [UInt8], at offset: Int = 0
    ) throws(MessageError) -> (message: Message, byteCount: Int)? {
        precondition(offset >= 0 && offset <= buffer.count, "offset outside the buffer")
        guard buffer.count - offset >= MessageHeader.size else { return nil }
        let header = try MessageHeader(
            decoding: Array(buffer[offset..<(offset + MessageHeader.size)]), network: network)
        let start = offset + MessageHeader.size
        guard buffer.count - start >= header.payloadLength else { return nil }
        let payload = Array(buffer[start..<(start + header.payloadLength)])
        try header.verifyChecksum(of: payload)
        let message = try MessageCodec.decodePayload(command: header.command, payload: payload)
        return (message, MessageHeader.size + header.payloadLength)
    }
}
