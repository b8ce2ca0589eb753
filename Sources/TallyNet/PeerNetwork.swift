import Foundation
import Logging
import NIOCore
import NIOPosix
import Synchronization
import TallyCrypto
import TallyWire

/// The node's side of the peer-to-peer network, on SwiftNIO: the handle the node holds. Its state
/// is a `PeerManager` bound to one event loop (`NIOLoopBoundBox`: touched from any other thread it
/// traps); calls into the node run on `offLoop`, never on the loop, and results hop back.
public final class PeerNetwork: Sendable {
    public let configuration: NetworkConfiguration
    let services: NodeServices
    let logger: Logger
    /// Owned by the network unless an event loop was given (the fuzzer's).
    let group: MultiThreadedEventLoopGroup?
    let loop: EventLoop
    /// Runs chain and mempool calls, in order, off the event loop: a serial queue; inline in the
    /// fuzzer, so that one input is one deterministic run.
    let offLoop: @Sendable (@escaping @Sendable () -> Void) -> Void
    /// Identifies this node in `version` (self-connections) and discovery.
    public let nonce = SecureRandom.uint64()
    let manager: NIOLoopBoundBox<PeerManager>
    private let listener = Mutex<(server: Channel, discovery: Discovery?)?>(nil)

    public convenience init(configuration: NetworkConfiguration, services: NodeServices, logger: Logger) {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let queue = DispatchQueue(label: "tally.network.work")
        self.init(
            configuration: configuration, services: services, logger: logger, group: group, loop: group.next(),
            offLoop: { queue.async(execute: $0) })
    }

    /// A network on an event loop of the caller's, with calls into the node run by `offLoop`: for
    /// driving the peer state machine without sockets (the `fuzz-peer` target).
    @_spi(Fuzzing) public convenience init(
        configuration: NetworkConfiguration, services: NodeServices, logger: Logger,
        loop: EventLoop, offLoop: @escaping @Sendable (@escaping @Sendable () -> Void) -> Void
    ) {
        self.init(
            configuration: configuration, services: services, logger: logger, group: nil, loop: loop, offLoop: offLoop)
    }

    private init(
        configuration: NetworkConfiguration, services: NodeServices, logger: Logger,
        group: MultiThreadedEventLoopGroup?, loop: EventLoop,
        offLoop: @escaping @Sendable (@escaping @Sendable () -> Void) -> Void
    ) {
        self.configuration = configuration
        self.services = services
        self.logger = logger
        self.group = group
        self.loop = loop
        self.offLoop = offLoop
        manager = NIOLoopBoundBox.makeBoxSendingValue(
            PeerManager(
                configuration: configuration, services: services, logger: logger, loop: loop, offLoop: offLoop,
                nonce: nonce),
            eventLoop: loop)
    }

    /// Runs `body` with the manager on the event loop.
    func onLoop(_ body: @escaping @Sendable (PeerManager) -> Void) {
        loop.execute { body(self.manager.value) }
    }

    /// Waits for `body` to run on the loop; never call it from the loop.
    func waitOnLoop<T: Sendable>(_ body: @escaping @Sendable (PeerManager) -> T) -> T? {
        try? loop.submit { body(self.manager.value) }.wait()
    }

    // MARK: Lifecycle

    /// Binds the listening socket, starts discovery and the persistent peers. Returns the bound port.
    @discardableResult
    public func start() throws -> Int {
        let server = try ServerBootstrap(group: loop)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            // A burst of connections (a thousand from one host) must not fill the accept queue:
            // the kernel would drop the next SYN, and an honest peer or a probe would wait out a
            // 1 s retransmission. The kernel caps this at somaxconn.
            .serverChannelOption(.backlog, value: 4_096)
            .serverChannelOption(.maxMessagesPerRead, value: 64)
            .childChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.so_sndbuf), value: SocketOptionValue(configuration.socketSendBuffer))
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try manager.value.installPipeline(on: channel, persistentTarget: nil)
                }
            }
            .bind(host: configuration.bindAddress, port: configuration.port).wait()
        let port = server.localAddress?.port ?? configuration.port
        logger.notice("listening on \(configuration.bindAddress):\(port)")
        try loop.submit { [self] in manager.value.start(listeningPort: port) }.wait()
        let discovery = configuration.discovery ? try Discovery(network: self, tcpPort: port) : nil
        listener.withLock { $0 = (server, discovery) }
        return port
    }

    /// Closes every peer and the listener, then the event loop.
    public func stop() {
        let listening = listener.withLock { $0 }
        let closed = loop.submit { [self] () -> EventLoopFuture<Void> in
            var closing = manager.value.stop()
            if let listening {
                closing.append(listening.server.close())
                if let discovery = listening.discovery { closing.append(discovery.close()) }
            }
            return EventLoopFuture.andAllComplete(closing, on: loop)
        }.flatMap { $0 }
        try? closed.wait()
        try? group?.syncShutdownGracefully()
    }

    /// Makes `channel` a peer connection (the fuzzer's channels, which no bootstrap opened).
    @_spi(Fuzzing) public func adopt(_ channel: Channel) throws {
        try manager.value.installPipeline(on: channel, persistentTarget: nil)
    }

    // MARK: What the node tells the network

    /// New blocks on the active chain (lowest first): their headers go to every peer that does not
    /// have them, so a peer can fetch the block at once (one round trip less than an `inv`).
    public func announceBlocks(_ blocks: [Block]) {
        onLoop { $0.announceBlocks(blocks) }
    }

    /// Transactions newly in the mempool: announced in batches (every `relayBatchInterval`).
    public func announceTransactions(_ txids: [Hash256]) {
        onLoop { $0.announceTransactions(txids) }
    }

    // MARK: What an operator sees and changes (the HTTP API); each call waits for the loop

    public struct PeerInfo: Sendable {
        public let address: String
        public let inbound: Bool
        public let userAgent: String
        public let startHeight: Int32
        public let banScore: Int
    }

    /// Peers that completed the handshake, for the node's own status.
    public var readyPeerCount: Int { waitOnLoop { $0.readyPeers.count } ?? 0 }

    /// Peers that finished the handshake, in connection order.
    public func peerList() -> [PeerInfo] {
        waitOnLoop { manager in
            manager.readyPeers.map {
                PeerInfo(
                    address: $0.address, inbound: $0.inbound, userAgent: $0.userAgent,
                    startHeight: $0.version?.startHeight ?? 0, banScore: manager.connections.score(of: $0.id))
            }
        } ?? []
    }

    /// Connects to `target` ("host:port") and keeps it connected, as `--peer` does; false if it is
    /// not a host:port.
    public func addPersistentPeer(_ target: String) -> Bool {
        guard splitHostPort(target) != nil else { return false }
        _ = waitOnLoop { $0.addPersistentPeer(target) }
        return true
    }

    /// Closes every connection to `target` (by the address connected to or the one it listens on)
    /// and stops reconnecting to it; returns how many were closed.
    public func disconnect(_ target: String) -> Int {
        waitOnLoop { $0.disconnect(target) } ?? 0
    }
}
