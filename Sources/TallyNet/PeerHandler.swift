import NIOCore
import TallyWire

/// The last handler of a peer's pipeline: hands the peer's events to the network, on the loop.
final class PeerHandler: ChannelInboundHandler {
    typealias InboundIn = Message

    private let network: PeerNetwork
    private let persistentTarget: String?
    private var peer: Peer?

    init(network: PeerNetwork, persistentTarget: String?) {
        self.network = network
        self.persistentTarget = persistentTarget
    }

    func channelActive(context: ChannelHandlerContext) {
        peer = network.connected(context.channel, persistentTarget: persistentTarget)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let peer else { return }
        network.received(unwrapInboundIn(data), from: peer)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        guard let peer else { context.close(promise: nil); return }
        network.failed(peer, error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let peer { network.disconnected(peer) }
        peer = nil
        context.fireChannelInactive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if let peer {
            network.writabilityChanged(peer)
        }
        context.fireChannelWritabilityChanged()
    }
}
