import NIOCore

/// What a connection beyond the server's limit gets: `503 Service Unavailable` with
/// `Connection: close`, written at once without reading the request. The output side is shut
/// after the answer and the socket closed `linger` later (or when the client closes): closing
/// at once with the client's unread request in the buffer would make the kernel send a reset,
/// which can destroy the answer before the client reads it.
final class BusyResponder: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let answer: [UInt8]
    private let linger: TimeAmount

    init(maximumConnections: Int, linger: TimeAmount) {
        let body =
            #"{"error":"the node serves at most \#(maximumConnections) HTTP connections at once: try again shortly"}"#
        let head =
            "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
            + "Content-Length: \(body.utf8.count)\r\nRetry-After: 1\r\nCache-Control: no-store\r\n"
            + "Connection: close\r\n\r\n"
        answer = Array((head + body).utf8)
        self.linger = linger
    }

    func channelActive(context: ChannelHandlerContext) {
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: answer)))
            .whenComplete { _ in channel.close(mode: .output, promise: nil) }
        context.eventLoop.scheduleTask(in: linger) { channel.close(promise: nil) }
        context.fireChannelActive()
    }

    /// The request is not read: it is dropped as it comes.
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}

    func errorCaught(context: ChannelHandlerContext, error: Error) { context.close(promise: nil) }
}
