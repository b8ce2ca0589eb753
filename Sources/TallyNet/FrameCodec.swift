import NIOCore
import TallyWire

/// Cuts the byte stream into messages. The 24-byte envelope is checked (magic, command, length
/// against the command's own limit) before a single payload byte is buffered, so a lying length
/// costs nothing; a bad checksum or malformed payload is a `MessageError`, which closes the peer.
/// Until the peer's `verack` follows its `version` no payload may be larger than a `version`, so a
/// connection that has not finished its handshake holds at most a few hundred bytes (Protocol.md §13.6).
struct FrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ReceivedMessage
    let network: Network
    private var handshaking = true
    /// Their `version` arrived: only a `verack` after it ends the handshake (a `verack` first is a
    /// violation the handshake machine ignores, so it must not lift the limit either).
    private var versionSeen = false

    init(network: Network) { self.network = network }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let received = try next(from: &buffer) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(received))
        return .continue
    }

    /// Takes the next whole message off the front of `buffer`, or nil (taking nothing) if it is not
    /// all there yet. One message at a time, so a reader can stop between any two.
    mutating func next(from buffer: inout ByteBuffer) throws -> ReceivedMessage? {
        guard let envelope = buffer.getBytes(at: buffer.readerIndex, length: MessageHeader.size) else { return nil }
        let header = try MessageHeader(decoding: envelope, network: network)
        if handshaking && header.payloadLength > VersionMessage.maximumPayloadSize {
            throw MessageError.payloadTooLarge(
                command: header.command, length: UInt64(header.payloadLength),
                limit: VersionMessage.maximumPayloadSize)
        }
        guard buffer.readableBytes >= MessageHeader.size + header.payloadLength else { return nil }
        buffer.moveReaderIndex(forwardBy: MessageHeader.size)
        let payload = buffer.readBytes(length: header.payloadLength)!
        try header.verifyChecksum(of: payload)
        let message = try MessageCodec.decodePayload(command: header.command, payload: payload)
        if case .version = message { versionSeen = true }
        if case .verack = message, versionSeen { handshaking = false }
        NetworkMetrics.bytesReceived.increment(by: Int64(MessageHeader.size + header.payloadLength))
        // A block keeps the bytes it came in, so that it is stored as received, not re-encoded.
        return ReceivedMessage(message: message, blockBytes: header.command == Block.command ? payload : nil)
    }
}

/// A decoded message, and for a block the payload it was decoded from.
struct ReceivedMessage {
    let message: Message
    let blockBytes: [UInt8]?
}

/// Frames outgoing messages with the network's envelope, each in a buffer of exactly its size.
/// NIO's `MessageToByteHandler` is not used: it allocates each frame's buffer with the capacity of
/// the one before, so after one block or long `inv` every 200-byte `tx` answer held a buffer of
/// that size until written — a peer served a thousand answers held megabytes.
final class FrameEncoder: ChannelOutboundHandler {
    typealias OutboundIn = Message
    typealias OutboundOut = ByteBuffer
    let codec: MessageCodec

    init(codec: MessageCodec) { self.codec = codec }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let (envelope, payload) = codec.frame(unwrapOutboundIn(data))
        var buffer = context.channel.allocator.buffer(capacity: envelope.count + payload.count)
        buffer.writeBytes(envelope)
        buffer.writeBytes(payload)
        NetworkMetrics.bytesSent.increment(by: Int64(buffer.readableBytes))
        context.write(wrapOutboundOut(buffer), promise: promise)
    }
}
