import Foundation
import Logging
import NIOCore
import NIOPosix
import TallyCrypto
import TallyWire

/// The node's side of the peer-to-peer network, on SwiftNIO: listening, connecting, the handshake,
/// keep-alive, limits and bans. All of its state lives on one event loop; work for the chain hops
/// to `work` (off the loop) and results hop back.
public final class PeerNetwork: @unchecked Sendable {
    public let configuration: NetworkConfiguration
    let services: NodeServices
    let logger: Logger
    /// Owned by the network unless an event loop was given (the fuzzer's).
    let group: MultiThreadedEventLoopGroup?
    let loop: EventLoop
    let codec: MessageCodec
    /// Runs chain and mempool calls, in order, off the event loop: a serial queue; inline in the
    /// fuzzer, so that one input is one deterministic run.
    let offLoop: @Sendable (@escaping @Sendable () -> Void) -> Void
    /// Identifies this node in `version` (self-connections) and discovery.
    public let nonce = SecureRandom.uint64()
    let started = Date()

    var peers: [Int: Peer] = [:]
    var nextPeerID = 0
    var bans: BanList
    var downloads: BlockDownloads<Int>
    var serverChannel: Channel?
    var discovery: Discovery?
    var timers: [RepeatedTask] = []
    var persistent: [String: Backoff] = [:]
    var connecting = Set<String>()
    /// Addresses heard of (discovery, `addr`) that we may connect to.
    var knownAddresses: [String: NetworkAddress] = [:]
    static let maximumKnownAddresses = 1_000
    /// Addresses that turned out to be this node.
    var ownAddresses = Set<String>()
    var stopped = false
    var listeningPort = 0
    /// A download round is scheduled or running.
    var downloadScheduled = false
    /// The chain as last read from the node (refreshed every second and on every new tip), so the
    /// event loop never waits for the chain.
    var summary: ChainSummary

    public convenience init(configuration: NetworkConfiguration, services: NodeServices, logger: Logger) {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let queue = DispatchQueue(label: "tally.network.work")
        self.init(configuration: configuration, services: services, logger: logger, group: group, loop: group.next(),
                  offLoop: { queue.async(execute: $0) })
    }

    /// A network on an event loop of the caller's, with calls into the node run by `offLoop`: for
    /// driving the peer state machine without sockets (the `fuzz-peer` target).
    @_spi(Fuzzing) public convenience init(configuration: NetworkConfiguration, services: NodeServices, logger: Logger,
                                           loop: EventLoop, offLoop: @escaping @Sendable (@escaping @Sendable () -> Void) -> Void) {
        self.init(configuration: configuration, services: services, logger: logger, group: nil, loop: loop, offLoop: offLoop)
    }

    private init(configuration: NetworkConfiguration, services: NodeServices, logger: Logger,
                 group: MultiThreadedEventLoopGroup?, loop: EventLoop,
                 offLoop: @escaping @Sendable (@escaping @Sendable () -> Void) -> Void) {
        self.configuration = configuration
        self.services = services
        self.logger = logger
        self.group = group
        self.loop = loop
        self.offLoop = offLoop
        codec = MessageCodec(network: configuration.network)
        bans = BanList(banDuration: configuration.banDuration, enabled: configuration.banning)
        downloads = BlockDownloads(stallTimeout: configuration.stallTimeout)
        summary = services.summary()
    }

    /// Reads the chain summary again, off the loop.
    func refreshSummary() {
        offLoop { [self] in
            let fresh = services.summary()
            loop.execute { self.summary = fresh }
        }
    }

    // MARK: Lifecycle

    /// Binds the listening socket, starts discovery and the persistent peers. Returns the bound port.
    @discardableResult
    public func start() throws -> Int {
        let channel = try ServerBootstrap(group: loop)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            // A burst of connections (a thousand from one host) must not fill the accept queue:
            // the kernel would drop the next SYN, and an honest peer or a probe would wait out a
            // 1 s retransmission. The kernel caps this at somaxconn.
            .serverChannelOption(.backlog, value: 4_096)
            .serverChannelOption(.maxMessagesPerRead, value: 64)
            .childChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.writeBufferWaterMark, value: .init(low: configuration.sendBufferLowWater, high: configuration.sendBufferHighWater))
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture { try self.installPipeline(on: channel, persistentTarget: nil) }
            }
            .bind(host: configuration.bindAddress, port: configuration.port).wait()
        serverChannel = channel
        let port = channel.localAddress?.port ?? configuration.port
        listeningPort = port
        logger.notice("listening on \(configuration.bindAddress):\(port)")
        try loop.submit { [self] in
            timers.append(loop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { [self] _ in tick() })
            timers.append(loop.scheduleRepeatedTask(initialDelay: .milliseconds(100),
                                                    delay: .milliseconds(Int64(configuration.relayBatchInterval * 1000))) { [self] _ in
                flushTransactionAnnouncements()
            })
            for target in configuration.persistentPeers {
                persistent[target] = Backoff()
                connect(to: target, persistent: true)
            }
        }.wait()
        if configuration.discovery {
            discovery = try Discovery(network: self, tcpPort: port)
        }
        return port
    }

    /// Closes every peer and the listener, then the event loop.
    public func stop() {
        let closed = loop.submit { [self] () -> EventLoopFuture<Void> in
            stopped = true
            for timer in timers { timer.cancel() }
            var closing: [EventLoopFuture<Void>] = peers.values.map { $0.channel.close() }
            if let serverChannel { closing.append(serverChannel.close()) }
            if let discovery { closing.append(discovery.close()) }
            return EventLoopFuture.andAllComplete(closing, on: loop)
        }.flatMap { $0 }
        try? closed.wait()
        try? group?.syncShutdownGracefully()
    }

    /// Makes `channel` a peer connection (the fuzzer's channels, which no bootstrap opened).
    @_spi(Fuzzing) public func adopt(_ channel: Channel) throws {
        try installPipeline(on: channel, persistentTarget: nil)
    }

    func installPipeline(on channel: Channel, persistentTarget: String?) throws {
        try channel.pipeline.syncOperations.addHandlers([
            ByteToMessageHandler(FrameDecoder(network: configuration.network)),
            MessageToByteHandler(FrameEncoder(codec: codec)),
            PeerHandler(network: self, persistentTarget: persistentTarget),
        ])
    }

    // MARK: Connections

    /// Connects to `target` ("host:port"). Must run on the loop.
    func connect(to target: String, persistent: Bool) {
        guard !stopped, !connecting.contains(target), let (host, port) = splitHostPort(target) else { return }
        if bans.isBanned(host) && !persistent { return }
        connecting.insert(target)
        ClientBootstrap(group: loop)
            .connectTimeout(.seconds(5))
            .channelOption(.writeBufferWaterMark, value: .init(low: configuration.sendBufferLowWater, high: configuration.sendBufferHighWater))
            .channelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture { try self.installPipeline(on: channel, persistentTarget: persistent ? target : nil) }
            }
            .connect(host: host, port: port)
            .whenComplete { [self] result in
                connecting.remove(target)
                if case .failure(let error) = result {
                    logger.debug("connect to \(target) failed: \(error)")
                    if persistent { scheduleReconnect(target) }
                }
            }
    }

    func scheduleReconnect(_ target: String) {
        guard !stopped, var backoff = persistent[target] else { return }
        let delay = backoff.failed()
        persistent[target] = backoff
        loop.scheduleTask(in: .milliseconds(Int64(delay * 1000))) { [self] in
            if !peers.values.contains(where: { $0.persistentTarget == target }) { connect(to: target, persistent: true) }
        }
    }

    /// A channel became active (inbound or outbound): registers the peer and sends our `version`.
    func connected(_ channel: Channel, persistentTarget: String?) -> Peer {
        let peer = Peer(id: nextPeerID, channel: channel, inbound: channel.parent != nil, persistentTarget: persistentTarget,
                        inventoryBudget: TokenBucket(rate: configuration.inventoryRate, burst: configuration.inventoryBurst))
        nextPeerID += 1
        peers[peer.id] = peer
        if bans.isBanned(peer.host) && peer.persistentTarget == nil {
            logger.info("refusing banned \(peer.address)")
            close(peer)
            return peer
        }
        if peer.inbound && peers.values.filter({ $0.inbound && !$0.closing }).count > configuration.maximumInbound {
            guard let victim = evictionCandidate(for: peer) else {
                logger.info("refusing \(peer.address): \(configuration.maximumInbound) inbound peers already")
                close(peer)
                return peer
            }
            logger.info("inbound slots full: evicting peer \(victim.id) \(victim.address) for \(peer.address)")
            close(victim)
        }
        if let target = persistentTarget { persistent[target]?.succeeded() }
        logger.info("peer \(peer.id) \(peer.inbound ? "inbound from" : "outbound to") \(peer.address)")
        sendVersion(to: peer)
        return peer
    }

    /// Which inbound peer makes room for `newcomer` when every slot is taken (Bitcoin's eviction,
    /// in small, for a LAN where every peer shares one subnet): the newest connection of the host
    /// holding the most slots, one still in its handshake first; nil (refuse the newcomer) if its own
    /// host holds as many. So a host opening a thousand connections only ever displaces itself, and
    /// a probe from elsewhere always gets in.
    func evictionCandidate(for newcomer: Peer) -> Peer? {
        let others = peers.values.filter { $0.inbound && !$0.closing && $0 !== newcomer }
        let byHost = Dictionary(grouping: others, by: \.host)
        guard let (host, crowd) = byHost.max(by: { ($0.value.count, $0.key) < ($1.value.count, $1.key) }),
              crowd.count > byHost[newcomer.host, default: []].count, host != newcomer.host else { return nil }
        return crowd.filter { !$0.isReady }.max { $0.id < $1.id } ?? crowd.max { $0.id < $1.id }
    }

    /// Runs `job` (a call into the node) off the loop for `peer`, then `then` with its result on the
    /// loop. While `maximumPendingWork` of a peer's jobs are waiting we stop reading from it, so a
    /// peer that asks faster than the chain answers only slows itself.
    func perform<T: Sendable>(for peer: Peer, _ job: @escaping @Sendable () -> T, then: @escaping @Sendable (T) -> Void) {
        peer.pendingWork += 1
        peer.updateReading(pendingLimit: configuration.maximumPendingWork)
        offLoop { [self] in
            let result = job()
            loop.execute { [self] in
                peer.pendingWork -= 1
                peer.updateReading(pendingLimit: configuration.maximumPendingWork)
                then(result)
            }
        }
    }

    func sendVersion(to peer: Peer) {
        let height = summary.height
        peer.send(.version(VersionMessage(
            services: .network, timestamp: Int64(Date().timeIntervalSince1970),
            receiverServices: .network, receiverAddress: peer.networkAddress,
            senderServices: .network,
            senderAddress: NetworkAddress(parsing: configuration.bindAddress, port: UInt16(clamping: listeningPort)) ?? .unspecified,
            nonce: nonce, userAgent: configuration.userAgent, startHeight: Int32(clamping: height), relay: true)))
    }

    func close(_ peer: Peer) {
        guard !peer.closing else { return }
        peer.closing = true
        peer.channel.close(promise: nil)
    }

    func disconnected(_ peer: Peer) {
        peers[peer.id] = nil
        downloads.release(peer.id)
        logger.info("peer \(peer.id) \(peer.address) disconnected")
        if let target = peer.persistentTarget { scheduleReconnect(target) }
        if !downloadScheduled { scheduleDownloads() }
    }

    func failed(_ peer: Peer, _ error: Error) {
        if case .wrongMagic(_, let found)? = error as? MessageError, Network.allCases.contains(where: { $0.magic == found }) {
            // Another Tally network's magic is a tool or node set for the wrong network (tally-probe
            // tries each network in turn), not an attack: closed, not penalised (Protocol.md §13.2).
            logger.info("peer \(peer.id) \(peer.address) speaks another Tally network: closed")
        } else if let error = error as? MessageError {
            penalise(peer, .malformedMessage("\(error)"))
        } else {
            logger.debug("peer \(peer.id) error: \(error)")
        }
        close(peer)
    }

    /// Adds to a peer's misbehaviour score; at the threshold it is disconnected and banned.
    func penalise(_ peer: Peer, _ offence: Offence) {
        peer.banScore += offence.score
        logger.warning("peer \(peer.id) \(peer.address) \(offence) (score \(peer.banScore))")
        if peer.banScore >= BanList.threshold {
            if configuration.banning {
                bans.ban(peer.host)
                NetworkMetrics.bans.increment()
                logger.warning("banned \(peer.host) for \(Int(configuration.banDuration)) s")
            }
            close(peer)
        }
    }

    // MARK: Timers

    private func tick() {
        let now = Date()
        refreshSummary()
        for peer in peers.values where !peer.closing {
            if !peer.isReady {
                if now.timeIntervalSince(peer.connectedAt) > configuration.handshakeTimeout {
                    logger.info("peer \(peer.id) \(peer.address): no handshake within \(Int(configuration.handshakeTimeout)) s")
                    close(peer)
                }
                continue
            }
            if let _ = peer.pingNonce {
                if now.timeIntervalSince(peer.pingSentAt) > configuration.pingTimeout {
                    logger.info("peer \(peer.id) \(peer.address): no pong within \(Int(configuration.pingTimeout)) s")
                    close(peer)
                }
            } else if now.timeIntervalSince(peer.lastPing) > configuration.pingInterval {
                let nonce = SecureRandom.uint64()
                peer.pingNonce = nonce
                peer.pingSentAt = now
                peer.lastPing = now
                peer.send(.ping(PingMessage(nonce: nonce)))
            }
        }
        let stalled = downloads.stalledPeers(now: now)
        for id in stalled {
            guard let peer = peers[id] else { continue }
            logger.info("peer \(id) \(peer.address) stalled a block download; asking others")
            peer.stallingUntil = now.addingTimeInterval(60)
        }
        if !stalled.isEmpty || downloads.inFlightCount == 0 { scheduleDownloads() }
        connectToKnownAddresses()
    }

    /// Opens outbound connections to addresses heard of, up to the outbound target.
    func connectToKnownAddresses() {
        let outbound = peers.values.filter { !$0.inbound }.count + connecting.count
        guard outbound < configuration.targetOutbound else { return }
        // A peer is known by the listening address it announced (its outbound port is ephemeral).
        let connected = Set(peers.values.compactMap(\.listeningTarget))
        for (target, _) in knownAddresses where !connected.contains(target) && !connecting.contains(target) {
            guard peers.values.filter({ !$0.inbound }).count + connecting.count < configuration.targetOutbound else { break }
            connect(to: target, persistent: false)
        }
    }

    // MARK: Status

    /// What `tally-probe` shows: the chain summary plus the peers (but the one asking).
    func status(for asking: Peer) -> StatusMessage {
        let list = peers.values.filter { $0.isReady && $0 !== asking }.sorted { $0.id < $1.id }.map {
            StatusMessage.Peer(address: $0.networkAddress, inbound: $0.inbound, userAgent: $0.userAgent,
                               startHeight: $0.version?.startHeight ?? 0, banScore: UInt32($0.banScore))
        }
        return StatusMessage(height: summary.height, tipHash: summary.tipHash, chainWork: summary.chainWork,
                             bestHeaderHeight: summary.bestHeaderHeight, mempoolTransactionCount: UInt32(summary.mempoolCount),
                             mempoolBytes: UInt64(summary.mempoolBytes), mining: summary.mining, hashRate: summary.hashRate,
                             syncing: summary.syncing, uptime: summary.uptime, peers: list)
    }

    /// Peers that completed the handshake, for the node's own status.
    public var readyPeerCount: Int { (try? loop.submit { self.peers.values.filter(\.isReady).count }.wait()) ?? 0 }
}
