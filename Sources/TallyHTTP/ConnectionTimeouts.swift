import NIOCore
import NIOHTTP1

/// The two clocks of an HTTP connection, so that a client holds one of the server's few connection
/// slots only while it does something:
/// - the next request head must arrive whole within `headTimeout` of the connection opening or of
///   the previous response being written (a client that connects and says nothing, or dribbles its
///   headers, is cut off; a keep-alive connection closed after a pause is what HTTP clients expect);
/// - a NIO `IdleStateHandler` nearer the socket reports a connection that has read and written
///   nothing for its own timeout (a body that stopped coming, an answer the client does not read),
///   and this handler closes it.
/// Sits after the HTTP codec and its pipelining handler, so it sees whole heads and responses.
final class ConnectionTimeouts: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let headTimeout: TimeAmount
    private var deadline: Scheduled<Void>?
    /// Between the end of a response and the next head. The pipelining handler may deliver a
    /// waiting request's head before the response's write completes: that head wins.
    private var awaitingHead = true

    init(headTimeout: TimeAmount) { self.headTimeout = headTimeout }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) { disarm() }

    func channelActive(context: ChannelHandlerContext) {
        arm(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        disarm()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) {
            awaitingHead = false
            disarm()
        }
        context.fireChannelRead(data)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent { return context.close(promise: nil) }
        context.fireUserInboundEventTriggered(event)
    }

    /// The clock for the next request starts when the end of this response has been written.
    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .end = unwrapOutboundIn(data) else { return context.write(data, promise: promise) }
        awaitingHead = true
        let written = promise ?? context.eventLoop.makePromise()
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        written.futureResult.whenSuccess {
            if bound.value.handler.awaitingHead { bound.value.handler.arm(bound.value.context) }
        }
        context.write(data, promise: written)
    }

    private func arm(_ context: ChannelHandlerContext) {
        disarm()
        guard context.channel.isActive else { return }
        let channel = context.channel
        deadline = context.eventLoop.scheduleTask(in: headTimeout) { channel.close(promise: nil) }
    }

    private func disarm() {
        deadline?.cancel()
        deadline = nil
    }
}
