import Foundation
import Logging
import NIOCore
import NIOPosix
import TallyCrypto
import TallyWire

/// The network's state and what wires its parts to the channels: the peers, and for each concern a
/// plain part — `Handshake` per peer, `ConnectionManager`, `AddressBook`, `BlockSync`, `Relay` —
/// that decides, while this class only carries out. Bound to one event loop (`PeerNetwork.manager`
/// checks it); calls into the node go through `perform`, off the loop.
final class PeerManager {
    let configuration: NetworkConfiguration
    let services: NodeServices
    let logger: Logger
    let loop: EventLoop
    let offLoop: @Sendable (@escaping @Sendable () -> Void) -> Void
    let nonce: UInt64
    let codec: MessageCodec
    let started = Date()

    var peers: [Int: Peer] = [:]
    private var nextPeerID = 0
    var connections: ConnectionManager
    var addresses = AddressBook()
    var sync: BlockSync
    var relay: Relay
    private var timers: [RepeatedTask] = []
    var stopped = false
    var listeningPort = 0
    /// Transactions received and not yet handed to the node, with the peer each came from.
    var transactionBatch: [(peer: Int, tx: Transaction)] = []
    var transactionBatchRunning = false
    static let maximumTransactionBatch = 2_000
    /// The chain as last read from the node (refreshed every second and on every new tip), so the
    /// event loop never waits for the chain.
    var summary: ChainSummary
    /// The last `addr` answer and when it was made: reused for a second, so a flood of `getaddr`
    /// costs one sample of the address book a second, not one each.
    var addressAnswer: (entries: [AddrMessage.Entry], made: Date)?
    /// Peers gone since memory was last given back (`MemoryTrim`).
    var departuresSinceTrim = 0
    /// The peers we asked to push new blocks to us (Protocol.md §13.10).
    var highBandwidth: HighBandwidthPeers
    /// Blocks being rebuilt from `cmpctblock`s, waiting for their missing transactions: one per peer.
    var partialBlocks: [Hash256: PartialBlock] = [:]
    /// The last blocks pushed, for the `getblocktxn` of peers rebuilding them.
    var recentBlocks = RecentBlocks(capacity: 4)
    /// Blocks of `cmpctblock`s on their way to the chain: the same block pushed by another peer
    /// meanwhile is not rebuilt again.
    var arrivingBlocks = Set<Hash256>()

    init(
        configuration: NetworkConfiguration, services: NodeServices, logger: Logger, loop: EventLoop,
        offLoop: @escaping @Sendable (@escaping @Sendable () -> Void) -> Void, nonce: UInt64
    ) {
        self.configuration = configuration
        self.services = services
        self.logger = logger
        self.loop = loop
        self.offLoop = offLoop
        self.nonce = nonce
        codec = MessageCodec(network: configuration.network)
        connections = ConnectionManager(
            maximumInbound: configuration.maximumInbound, targetOutbound: configuration.targetOutbound,
            bans: BanList(banDuration: configuration.banDuration, enabled: configuration.banning))
        sync = BlockSync(
            stallTimeout: configuration.stallTimeout, lowWorkHeaderAllowance: configuration.lowWorkHeaderAllowance)
        relay = Relay(inventoryRate: configuration.inventoryRate, inventoryBurst: configuration.inventoryBurst)
        highBandwidth = HighBandwidthPeers(capacity: configuration.highBandwidthPeers)
        summary = services.summary()
    }

    /// `configuration.turnPause` as NIO counts time.
    var turnPause: TimeAmount { .nanoseconds(Int64(configuration.turnPause * 1e9)) }

    /// This manager, for closures that hop off the loop and back.
    var bound: NIOLoopBound<PeerManager> { NIOLoopBound(self, eventLoop: loop) }

    var readyPeers: [Peer] { peers.values.filter(\.isReady).sorted { $0.id < $1.id } }

    /// Reads the chain summary again, off the loop.
    func refreshSummary() {
        let bound = self.bound
        let services = self.services
        offLoop {
            let fresh = services.summary()
            bound.eventLoop.execute { bound.value.summary = fresh }
        }
    }

    /// Runs `job` (a call into the node) off the loop for `peer`, then `then` with its result on the
    /// loop (with the peer, if it is still connected). While `maximumPendingWork` of a peer's jobs are
    /// waiting we stop reading from it, so a peer that asks faster than the chain answers only slows
    /// itself.
    func perform<T: Sendable>(
        for peer: Peer, _ job: @escaping @Sendable () -> T,
        then: @escaping @Sendable (PeerManager, Peer?, T) -> Void
    ) {
        peer.pendingWork += 1
        peer.updateReading(pendingLimit: configuration.maximumPendingWork)
        let bound = self.bound
        let id = peer.id
        offLoop {
            let result = job()
            bound.eventLoop.execute {
                let manager = bound.value
                let peer = manager.peers[id]
                if let peer {
                    peer.pendingWork -= 1
                    peer.updateReading(pendingLimit: manager.configuration.maximumPendingWork)
                }
                then(manager, peer, result)
            }
        }
    }

    // MARK: Lifecycle

    func start(listeningPort: Int) {
        self.listeningPort = listeningPort
        let bound = self.bound
        timers.append(
            loop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { _ in bound.value.tick() })
        timers.append(
            loop.scheduleRepeatedTask(
                initialDelay: .milliseconds(100), delay: .milliseconds(Int64(configuration.relayBatchInterval * 1000))
            ) { _ in bound.value.flushTransactionAnnouncements() })
        for target in configuration.persistentPeers { addPersistentPeer(target) }
    }

    /// Stops the timers and closes every peer; returns the closings to wait for.
    func stop() -> [EventLoopFuture<Void>] {
        stopped = true
        for timer in timers { timer.cancel() }
        return peers.values.map { $0.channel.close() }
    }

    func installPipeline(on channel: Channel, persistentTarget: String?) throws {
        let flow = PeerFlowHandler(
            network: configuration.network,
            budget: OutputBudget(limit: configuration.outputBudget, resumeAt: configuration.outputBudgetResumeAt),
            requestRate: configuration.requestRate.map { TokenBucket(rate: $0.perSecond, burst: $0.burst) },
            turnPause: turnPause)
        try channel.pipeline.syncOperations.addHandlers([
            flow,
            FrameEncoder(codec: codec),
            PeerHandler(manager: self, flow: flow, persistentTarget: persistentTarget),
        ])
    }

    // MARK: Connections

    /// Connects to `target` ("host:port").
    func connect(to target: String, persistent: Bool) {
        guard !stopped, let (host, port) = splitHostPort(target) else { return }
        if connections.isBanned(host) && !persistent { return }
        guard connections.startConnecting(target) else { return }
        let bound = self.bound
        ClientBootstrap(group: loop)
            .connectTimeout(.seconds(5))
            .channelOption(.socketOption(.so_sndbuf), value: SocketOptionValue(configuration.socketSendBuffer))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try bound.value.installPipeline(on: channel, persistentTarget: persistent ? target : nil)
                }
            }
            .connect(host: host, port: port)
            .whenComplete { result in
                let manager = bound.value
                manager.connections.finishedConnecting(target)
                if case .failure(let error) = result {
                    manager.logger.debug("connect to \(target) failed: \(error)")
                    if persistent { manager.scheduleReconnect(target) }
                }
            }
    }

    func addPersistentPeer(_ target: String) {
        guard connections.addPersistent(target) else { return }
        connect(to: target, persistent: true)
    }

    /// Closes every connection to `target` and stops reconnecting to it; returns how many closed.
    func disconnect(_ target: String) -> Int {
        connections.removePersistent(target)
        let matching = peers.values.filter {
            !$0.closing && ($0.address == target || $0.listeningTarget == target || $0.persistentTarget == target)
        }
        matching.forEach(close)
        return matching.count
    }

    func scheduleReconnect(_ target: String) {
        guard !stopped, let delay = connections.reconnectDelay(for: target) else { return }
        let bound = self.bound
        loop.scheduleTask(in: .milliseconds(Int64(delay * 1000))) {
            let manager = bound.value
            if !manager.peers.values.contains(where: { $0.persistentTarget == target }) {
                manager.connect(to: target, persistent: true)
            }
        }
    }

    /// A channel became active (inbound or outbound): registers the peer and sends our `version`.
    func connected(_ channel: Channel, flow: PeerFlowHandler, persistentTarget: String?) -> Peer {
        let peer = Peer(
            id: nextPeerID, channel: channel, flow: flow, inbound: channel.parent != nil,
            persistentTarget: persistentTarget,
            handshake: Handshake(ownNonce: nonce, timeout: configuration.handshakeTimeout))
        nextPeerID += 1
        let others = peers.values.filter { $0.inbound && !$0.closing }.map {
            ConnectionManager.Connection(id: $0.id, host: $0.host, ready: $0.isReady)
        }
        peers[peer.id] = peer
        switch connections.admit(
            .init(id: peer.id, host: peer.host, ready: false), inbound: peer.inbound,
            persistent: persistentTarget != nil, among: others)
        {
        case .refuseBanned:
            logger.info("refusing banned \(peer.address)")
            close(peer)
            return peer
        case .refuseFull:
            logger.info("refusing \(peer.address): \(configuration.maximumInbound) inbound peers already")
            close(peer)
            return peer
        case .evict(let id):
            if let victim = peers[id] {
                logger.info("inbound slots full: evicting peer \(victim.id) \(victim.address) for \(peer.address)")
                close(victim)
            }
        case .admit:
            break
        }
        sync.add(peer.id, bestHeight: 0)
        relay.add(peer.id)
        if let target = persistentTarget { connections.persistentConnected(target) }
        logger.info("peer \(peer.id) \(peer.inbound ? "inbound from" : "outbound to") \(peer.address)")
        sendVersion(to: peer)
        return peer
    }

    func sendVersion(to peer: Peer) {
        let senderAddress =
            NetworkAddress(parsing: configuration.bindAddress, port: UInt16(clamping: listeningPort)) ?? .unspecified
        peer.send(
            .version(
                VersionMessage(
                    services: .network, timestamp: Int64(Date().timeIntervalSince1970),
                    receiverServices: .network, receiverAddress: peer.networkAddress,
                    senderServices: .network, senderAddress: senderAddress,
                    nonce: nonce, userAgent: configuration.userAgent, startHeight: Int32(clamping: summary.height),
                    relay: true)))
    }

    func close(_ peer: Peer) {
        guard !peer.closing else { return }
        peer.closing = true
        peer.channel.close(promise: nil)
    }

    func disconnected(_ peer: Peer) {
        peers[peer.id] = nil
        departuresSinceTrim += 1
        sync.remove(peer.id, host: peer.host)
        relay.remove(peer.id)
        forgetCompactState(of: peer)
        connections.removed(peer.id)
        logger.info("peer \(peer.id) \(peer.address) disconnected")
        if let target = peer.persistentTarget { scheduleReconnect(target) }
        scheduleDownloads()
    }

    func failed(_ peer: Peer, _ error: Error) {
        if let error = error as? MessageError {
            if let offence = Offence.charged(for: error, handshakeComplete: peer.isReady) {
                penalise(peer, offence)
            } else {
                logger.info("peer \(peer.id) \(peer.address) does not speak this network (\(error)): closed")
            }
        } else {
            logger.debug("peer \(peer.id) error: \(error)")
        }
        close(peer)
    }

    /// Adds to a peer's misbehaviour score; at the threshold it is disconnected and banned.
    func penalise(_ peer: Peer, _ offence: Offence) {
        let (score, disconnect) = connections.penalise(peer.id, host: peer.host, for: offence)
        logger.warning("peer \(peer.id) \(peer.address) \(offence) (score \(score))")
        guard disconnect else { return }
        if configuration.banning {
            NetworkMetrics.bans.increment()
            logger.warning("banned \(peer.host) for \(Int(configuration.banDuration)) s")
        }
        close(peer)
    }

    // MARK: Timers

    func tick() {
        let now = Date()
        refreshSummary()
        for peer in peers.values where !peer.closing {
            if !peer.isReady {
                run(peer.handshake.receive(.elapsed(now.timeIntervalSince(peer.connectedAt))), for: peer)
                continue
            }
            if peer.pingNonce != nil {
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
        expirePartialBlocks(now: now)
        for (id, txids) in relay.reassignTransactionRequests(now: now) {
            peers[id]?.send(.getData(GetDataMessage(inventory: txids.map(InventoryVector.transaction))))
        }
        let stalled = sync.stalledPeers(now: now)
        for id in stalled {
            guard let peer = peers[id] else { continue }
            logger.info("peer \(id) \(peer.address) stalled a block download; asking others")
        }
        if !stalled.isEmpty || sync.inFlightCount == 0 { scheduleDownloads() }
        connectToKnownAddresses()
        // After many peers left, what their buffers held goes back to the kernel (off the loop).
        if departuresSinceTrim >= MemoryTrim.departuresPerTrim {
            departuresSinceTrim = 0
            offLoop { MemoryTrim.run() }
        }
    }

    /// Opens outbound connections to addresses heard of, up to the outbound target.
    func connectToKnownAddresses() {
        // With discovery on, the first dials wait one announcement interval, to choose among every
        // node announcing: dialling the first few heard made the hosts started first everyone's
        // peers (host 1 of 100 had 32 inbound, and memory with them). Protocol.md §13.8.
        if configuration.discovery && Date().timeIntervalSince(started) < configuration.discoveryInterval { return }
        let open = peers.values.filter { !$0.inbound }.count
        guard connections.wantsOutbound(open: open) else { return }
        // A peer is known by the listening address it announced (its outbound port is ephemeral).
        let excluded = Set(peers.values.compactMap(\.listeningTarget)).union(connections.connecting)
        let wanted = configuration.targetOutbound - open - connections.connecting.count
        for target in addresses.dialCandidates(excluding: excluded, limit: wanted) {
            connect(to: target, persistent: false)
        }
    }

    // MARK: Status

    /// What `tally-probe` shows: the chain summary plus the peers (but the one asking).
    func status(for asking: Peer) -> StatusMessage {
        let list = readyPeers.filter { $0 !== asking }.map {
            StatusMessage.Peer(
                address: $0.networkAddress, inbound: $0.inbound, userAgent: $0.userAgent,
                startHeight: $0.version?.startHeight ?? 0, banScore: UInt32(connections.score(of: $0.id)))
        }
        return StatusMessage(
            height: summary.height, tipHash: summary.tipHash, chainWork: summary.chainWork,
            bestHeaderHeight: summary.bestHeaderHeight, mempoolTransactionCount: UInt32(summary.mempoolCount),
            mempoolBytes: UInt64(summary.mempoolBytes), mining: summary.mining, hashRate: summary.hashRate,
            syncing: summary.syncing, uptime: summary.uptime, peers: list)
    }
}
