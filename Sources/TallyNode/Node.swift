import Foundation
import Logging
import Metrics
import TallyChain
import TallyCrypto
import TallyMempool
import TallyMining
import TallyNet
import TallyWire

/// One Tally node: the chain, the mempool, the miner and the peer network, wired together. Chain
/// and mempool have a single writer, this node's serial queue; every mutation goes through it.
public final class Node: @unchecked Sendable {
    public let configuration: NodeConfiguration
    public let chain: ChainState
    public let mempool: Mempool
    public let rewardAddress: AddressHash
    let queue = DispatchQueue(label: "tally.node")
    private let snapshots: Snapshots
    var miner: Miner?
    private var lastTemplateRefresh = Date.distantPast
    private var refreshPending = false
    public static let templateRefresh: TimeInterval = 2
    let logger: Logger
    let started = Date()
    /// The peer network, once started.
    public private(set) var network: PeerNetwork?
    /// Hash-rate samples: (hashes, time) at the last two readings.
    private var hashSamples: [(count: UInt64, time: Date)] = []
    private var lastSyncLog: (time: Date, height: UInt32) = (.distantPast, 0)
    /// When the best header last moved, or the tip moved along its chain (on the queue).
    var lastChainProgress = Date()

    public init(configuration: NodeConfiguration, logger: Logger = Logger(label: "tallyd")) throws {
        self.configuration = configuration
        self.logger = logger
        try FileManager.default.createDirectory(at: configuration.dataDirectory, withIntermediateDirectories: true)
        let store = try ChainStore(path: configuration.storePath, network: configuration.network)
        chain = try ChainState(store: store, parameters: configuration.network.parameters,
                               signatureThreads: configuration.signatureThreads)
        mempool = Mempool()
        snapshots = Snapshots(directory: configuration.snapshotDirectory, interval: configuration.snapshotInterval,
                              keep: configuration.snapshotKeep)
        if let address = configuration.rewardAddress {
            rewardAddress = address
        } else {
            let key = try RewardKey.loadOrCreate(at: configuration.rewardKeyPath)
            rewardAddress = AddressHash(publicKey: key.publicKey)
        }
    }

    public static func now() -> UInt32 { UInt32(Date().timeIntervalSince1970) }

    /// Counted for operators (`/metrics`); the metrics system must be bootstrapped before first use.
    static let reorganisations = Counter(label: "tally_reorganisations_total")

    /// Makes the node's counters now (see `NetworkMetrics.register`).
    public static func registerMetrics() {
        _ = reorganisations
        NetworkMetrics.register()
    }

    /// Runs `body` on the node's queue, the only place chain and mempool change.
    public func sync<T>(_ body: () throws -> T) rethrows -> T { try queue.sync(execute: body) }

    // MARK: Network

    /// Starts listening, discovery and the configured peers; returns the TCP port bound.
    @discardableResult
    public func startNetwork(_ configuration: NetworkConfiguration) throws -> Int {
        let network = PeerNetwork(configuration: configuration, services: self, logger: logger)
        queue.sync { self.network = network }
        return try network.start()
    }

    public func stopNetwork() {
        network?.stop()
    }

    // MARK: Blocks and transactions

    /// Hands a block (mined here or received) to the chain; a new tip is announced to peers first,
    /// then the mempool, the miner and the snapshots catch up.
    @discardableResult
    public func submit(_ block: Block) throws -> BlockAcceptance {
        try queue.sync { try accept(block) }
    }

    /// On the queue.
    private func accept(_ block: Block) throws -> BlockAcceptance {
        let result = try chain.acceptBlock(block)
        for (hash, violation) in result.invalid { logger.warning("block \(hash) is invalid: \(violation)") }
        if !result.tipChange.isEmpty { tipChanged(result.tipChange) }
        return result
    }

    /// Takes a transaction into the mempool and announces it (and any orphans it unblocked).
    @discardableResult
    public func submit(_ tx: Transaction) throws(MempoolError) -> [Transaction] {
        let outcome = queue.sync { () -> Result<[Transaction], MempoolError> in
            Result { () throws(MempoolError) in try mempool.accept(tx, chain: chain, now: Node.now()) }
        }
        if case .success(let added) = outcome {
            network?.announceTransactions(added.map(\.txid))
            queue.async { self.mempoolChanged() }
        }
        return try outcome.get()
    }

    /// New transactions reach the miner's template at most every `templateRefresh` seconds, so a
    /// stream of them does not keep the workers rebuilding templates.
    private func mempoolChanged() {
        guard let miner, !refreshPending else { return }
        let wait = lastTemplateRefresh.addingTimeInterval(Node.templateRefresh).timeIntervalSinceNow
        if wait <= 0 {
            lastTemplateRefresh = Date()
            miner.newWork()
        } else {
            refreshPending = true
            queue.asyncAfter(deadline: .now() + wait) { [self] in
                refreshPending = false
                lastTemplateRefresh = Date()
                self.miner?.newWork()
            }
        }
    }

    private func tipChanged(_ change: TipChange) {
        // Progress toward a better chain, not a block of our own beside it.
        if let best = chain.index.bestHeader, best.ancestor(at: chain.tip.height)?.hash == chain.tip.hash {
            lastChainProgress = Date()
        }
        miner?.newWork()
        network?.announceBlocks(change.connected.map(\.header))
        lastTemplateRefresh = Date()
        let returned = mempool.update(for: change, chain: chain, now: Node.now())
        if !returned.isEmpty { network?.announceTransactions(returned.map(\.txid)) }
        let tip = chain.tip
        if !change.disconnected.isEmpty {
            logger.notice("reorganised: \(change.disconnected.count) block(s) off, \(change.connected.count) on")
            Node.reorganisations.increment()
        }
        let time = Date(timeIntervalSince1970: TimeInterval(tip.header.time)).formatted(.iso8601)
        if chain.isSyncing, let best = chain.index.bestHeader {
            // At most one line a second while catching up, with the rate since the last one.
            let now = Date()
            let elapsed = now.timeIntervalSince(lastSyncLog.time)
            if elapsed >= 1 {
                let rate = Double(Int(tip.height) - Int(lastSyncLog.height)) / elapsed
                logger.info("sync \(tip.height)/\(best.height) \(String(format: "%.0f", max(0, rate))) blocks/s tip \(tip.hash) time \(time)")
                lastSyncLog = (now, tip.height)
            }
        } else {
            logger.info("block \(tip.height) \(tip.hash) time \(time) txs \(change.connected.last?.transactions.count ?? 0)")
        }
        if !change.connected.isEmpty, snapshots.isDue(at: tip.height) {
            do {
                let url = try snapshots.take(from: chain.store, height: tip.height)
                logger.info("snapshot \(url.lastPathComponent)")
            } catch {
                logger.error("snapshot at \(tip.height) failed: \(error)")
            }
        }
    }

    // MARK: Mining

    public func startMining(threads: Int) {
        let miner = Miner(threads: threads, hooks: Miner.Hooks(
            template: { [self] in
                queue.sync {
                    let now = Node.now()
                    // While better headers are still being fetched, mining on this tip is wasted work;
                    // so is a block that must be timed too far ahead of the clock to be accepted (a
                    // regtest chain mined without pause outruns the clock): wait for it.
                    guard !isFetchingBetterChain,
                          UInt64(chain.tip.medianTimePast()) + 1 <= UInt64(now) + UInt64(chain.parameters.maximumFutureBlockTime) else { return nil }
                    return BlockAssembler.template(chain: chain, mempool: mempool, payTo: rewardAddress, now: now)
                }
            },
            found: { [self] block in
                queue.sync {
                    // Stopped meanwhile (`stopMining` clears `miner` on this queue first): a node
                    // shutting down must not announce a block it will not be there to serve.
                    guard self.miner != nil else { return }
                    do {
                        let result = try accept(block)
                        if let violation = result.invalid[block.hash] { logger.error("mined an invalid block: \(violation)") }
                    } catch {
                        logger.error("mined block rejected: \(error)")
                    }
                }
            }), pauseAfterBlock: configuration.mineInterval)
        queue.sync { self.miner = miner }
        miner.start()
    }

    public func stopMining() {
        let miner = queue.sync { () -> Miner? in
            defer { self.miner = nil }
            return self.miner
        }
        miner?.stop()
    }

    public var isMining: Bool { queue.sync { miner != nil } }

    /// Headers with more work than the tip are known and their blocks are still arriving: mining on
    /// the tip would be wasted. Once `fetchPatience` passes with neither a new tip nor a new best
    /// header, the blocks cannot be had (a partition cut them off, a peer left) and mining resumes.
    /// On the queue.
    var isFetchingBetterChain: Bool {
        chain.isSyncing && Date().timeIntervalSince(lastChainProgress) < Node.fetchPatience
    }
    static let fetchPatience: TimeInterval = 10
    public var miningThreads: Int { queue.sync { miner?.threads ?? 0 } }
    public var hashCount: UInt64 { queue.sync { miner?.hashCount ?? 0 } }

    /// Hashes per second over the last few seconds.
    public func hashRate() -> UInt64 {
        queue.sync {
            let count = miner?.hashCount ?? 0
            let now = Date()
            // A miner stopped or replaced since the last reading counts from zero again.
            if let last = hashSamples.last, count < last.count { hashSamples.removeAll() }
            hashSamples.append((count, now))
            hashSamples.removeAll { now.timeIntervalSince($0.time) > 10 }
            guard let first = hashSamples.first, now.timeIntervalSince(first.time) > 0.5 else { return 0 }
            return UInt64(Double(count - first.count) / now.timeIntervalSince(first.time))
        }
    }
}
