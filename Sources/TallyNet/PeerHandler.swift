import NIOCore
import TallyWire

/// The last handler of a peer's pipeline: hands the peer's events to the manager, on the loop.
final class PeerHandler: ChannelInboundHandler {
    typealias InboundIn = ReceivedMessage

    private let manager: PeerManager
    private let flow: PeerFlowHandler
    private let persistentTarget: String?
    private var peer: Peer?

    init(manager: PeerManager, flow: PeerFlowHandler, persistentTarget: String?) {
        self.manager = manager
        self.flow = flow
        self.persistentTarget = persistentTarget
    }

    func channelActive(context: ChannelHandlerContext) {
        peer = manager.connected(context.channel, flow: flow, persistentTarget: persistentTarget)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let peer else { return }
        manager.received(unwrapInboundIn(data), from: peer)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        guard let peer else {
            context.close(promise: nil)
            return
        }
        manager.failed(peer, error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let peer { manager.disconnected(peer) }
        peer = nil
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is PeerFlowHandler.OutputRestored, let peer {
            manager.outputRestored(peer)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }
}
