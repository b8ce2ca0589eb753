import Foundation
import Logging
import Metrics
import Synchronization
import TallyChain
import TallyCrypto
import TallyMempool
import TallyMining
import TallyNet
import TallyWire

/// One Tally node: the chain, the mempool, the miner and the peer network, wired together. Chain
/// and mempool have a single writer: `NodeState` sits behind one lock, reachable only through
/// `sync`, and never from an event-loop thread (the network calls in from its own work queue).
public final class Node: Sendable {
    public let configuration: NodeConfiguration
    public let rewardAddress: AddressHash
    /// The chain's store, for reads that need not wait for the lock (stored blocks never change).
    public let store: ChainStore
    public static let templateRefresh: TimeInterval = 2
    static let fetchPatience: TimeInterval = 10
    /// How long after a new tip the coins cache is written out, once worth writing: past the time
    /// the block takes to cross the network, so that nodes writing it do not slow its last hops.
    static let coinsWriteDelay: TimeInterval = 2
    let logger: Logger
    let started = Date()
    private let state: Mutex<NodeState>
    /// The chain's signature cache, filled outside the lock.
    private let signatureCache: SignatureCache
    private let snapshots: Snapshots
    /// Delayed work on the state (template refreshes): it takes the lock when it runs.
    private let timers = DispatchQueue(label: "tally.node.timers")
    private let networkSlot = Mutex<PeerNetwork?>(nil)
    private let failure = Mutex<NodeFailure?>(nil)
    private let failureHandler = Mutex<(@Sendable (NodeFailure) -> Void)?>(nil)

    public init(configuration: NodeConfiguration, logger: Logger = Logger(label: "tallyd")) throws {
        self.configuration = configuration
        self.logger = logger
        try FileManager.default.createDirectory(at: configuration.dataDirectory, withIntermediateDirectories: true)
        store = try ChainStore(
            path: configuration.storePath, network: configuration.network, checkpointInBackground: true)
        let chain = try ChainState(
            store: store, parameters: configuration.network.parameters,
            signatureThreads: configuration.signatureThreads)
        signatureCache = chain.signatureCache
        state = Mutex(NodeState(chain: chain, mempool: Mempool()))
        snapshots = Snapshots(
            directory: configuration.snapshotDirectory, interval: configuration.snapshotInterval,
            keep: configuration.snapshotKeep)
        if let address = configuration.rewardAddress {
            rewardAddress = address
        } else {
            let key = try RewardKey.loadOrCreate(at: configuration.rewardKeyPath)
            rewardAddress = AddressHash(publicKey: key.publicKey)
        }
        // The first date a process formats loads its time zone and calendar (milliseconds): here,
        // not in the log line of the first new tip, written under the lock every hop waits for.
        _ = Date().formatted(Node.millisecondTime)
        _ = Date().formatted(.iso8601)
    }

    public static func now() -> UInt32 { UInt32(Date().timeIntervalSince1970) }

    /// Counted for operators (`/metrics`); the metrics system must be bootstrapped before first use.
    static let reorganisations = Counter(label: "tally_reorganisations_total")

    /// Makes the node's counters now (see `NetworkMetrics.register`).
    public static func registerMetrics() {
        _ = reorganisations
        NetworkMetrics.register()
    }

    /// Runs `body` with the node's state, holding its lock: the only way to the chain and mempool.
    /// Not reentrant; only `Sendable` results leave it.
    public func sync<T: Sendable, E: Error>(_ body: (NodeState) throws(E) -> T) throws(E) -> T {
        try state.withLock { (state: inout sending NodeState) throws(E) -> T in try body(state) }
    }

    // MARK: Failure

    /// The node's own failure (its store cannot be written), if one happened: the node must stop.
    public var fatalFailure: NodeFailure? { failure.withLock { $0 } }

    /// Called once, on the first failure of the node's own (the store cannot be written); `tallyd`
    /// stops on it.
    public func onFatalFailure(_ handler: @escaping @Sendable (NodeFailure) -> Void) {
        failureHandler.withLock { $0 = handler }
    }

    /// An error that is not a verdict on a block or transaction: the node itself failed. Logged,
    /// never blamed on a peer, and reported once to the failure handler.
    func reportFailure(_ error: Error, while action: String) -> NodeFailure {
        let failure = NodeFailure(action: action, reason: "\(error)")
        let first = self.failure.withLock { current -> Bool in
            guard current == nil else { return false }
            current = failure
            return true
        }
        if first {
            logger.critical("\(failure): the store cannot be written, stopping the node (no peer is blamed)")
            failureHandler.withLock { $0 }?(failure)
        }
        return failure
    }

    // MARK: Network

    /// The peer network, once started.
    public var network: PeerNetwork? { networkSlot.withLock { $0 } }

    /// Starts listening, discovery and the configured peers; returns the TCP port bound.
    @discardableResult
    public func startNetwork(_ configuration: NetworkConfiguration) throws -> Int {
        let network = PeerNetwork(configuration: configuration, services: self, logger: logger)
        networkSlot.withLock { $0 = network }
        return try network.start()
    }

    public func stopNetwork() {
        network?.stop()
    }

    /// Writes the chain's coins cache to the store, so that the next start need not connect the
    /// recent blocks again; called before the process exits.
    public func flushChain() throws {
        do {
            try sync { state in try state.chain.flushCoins() }
        } catch {
            _ = reportFailure(error, while: "writing the UTXO set")
            throw error
        }
    }

    // MARK: Blocks and transactions

    /// Hands a block (mined here or received) to the chain; a new tip is announced to peers first,
    /// then the mempool, the miner and the snapshots catch up. `encoded` is the block's bytes as
    /// they arrived, stored as they are; `checked`, what was checked of it already. A failure of
    /// the node's own is reported before it is rethrown.
    @discardableResult
    public func submit(
        _ block: Block, encoded: [UInt8]? = nil, checked: BlockChecks.Done = []
    ) throws -> BlockAcceptance {
        do {
            return try sync { state in try accept(block, encoded: encoded, checked: checked, in: state) }
        } catch let error where !Node.isVerdict(error) {
            _ = reportFailure(error, while: "storing block \(block.hash)")
            throw error
        }
    }

    /// Whether `error` is the chain's verdict on what it was given, rather than a failure of the node.
    static func isVerdict(_ error: Error) -> Bool { error is RuleViolation || error is ChainError }

    private func accept(
        _ block: Block, encoded: [UInt8]?, checked: BlockChecks.Done = [], in state: NodeState
    ) throws -> BlockAcceptance {
        let result = try state.chain.acceptBlock(block, encoded: encoded, checked: checked)
        for (hash, violation) in result.invalid { logger.warning("block \(hash) is invalid: \(violation)") }
        if !result.tipChange.isEmpty { tipChanged(result.tipChange, at: Date(), in: state) }
        return result
    }

    /// Takes a transaction into the mempool and announces it (and any orphans it unblocked).
    @discardableResult
    public func submit(_ tx: Transaction) throws(MempoolError) -> [Transaction] {
        try submit([tx])[0].get()
    }

    /// Takes transactions into the mempool in order and announces what was added; one result per
    /// transaction. Their signatures are checked first, together, on every core and outside the
    /// lock (those that verify are remembered in the signature cache, which the mempool then
    /// consults), so the lock is held only for the look-ups in the UTXO set and the mempool.
    /// `announcers`, one per transaction, name the peers that sent them (nil: the node's own API):
    /// an orphan counts against its sender's share of the orphan pool.
    public func submit(
        _ transactions: [Transaction], announcers: [OrphanTransactions.Announcer]? = nil
    ) -> [Result<[Transaction], MempoolError>] {
        precondition(announcers == nil || announcers?.count == transactions.count)
        verifySignatures(of: transactions)
        let outpoints = transactions.flatMap { $0.inputs.map(\.outpoint) }
        let accept = { (state: NodeState) -> [Result<[Transaction], MempoolError>] in
            transactions.enumerated().map { index, tx in
                do throws(MempoolError) {
                    return .success(
                        try state.mempool.accept(
                            tx, chain: state.chain, now: Node.now(), from: announcers.flatMap { $0[index] }))
                } catch {
                    return .failure(error)
                }
            }
        }
        let results: [Result<[Transaction], MempoolError>]
        do {
            results = try sync { state in try state.chain.withCoins(of: outpoints) { accept(state) } }
        } catch {
            // The coins could not be read ahead: each transaction reads its own.
            results = sync { accept($0) }
        }
        let added = results.flatMap { (try? $0.get()) ?? [] }
        if !added.isEmpty {
            network?.announceTransactions(added.map(\.txid))
            // Weakly: a node being replaced or shut down is not kept alive by its pending work.
            timers.async { [weak self] in self?.sync { self?.mempoolChanged(in: $0) } }
        }
        return results
    }

    private func verifySignatures(of transactions: [Transaction]) {
        let parameters = configuration.network.parameters
        let cache = signatureCache
        let threads = min(configuration.signatureThreads, transactions.count)
        guard threads > 0 else { return }
        DispatchQueue.concurrentPerform(iterations: threads) { slice in
            for index in stride(from: slice, to: transactions.count, by: threads) {
                let tx = transactions[index]
                guard !tx.isCoinbase, !cache.contains(tx), SignatureVerifier.verify(tx, parameters: parameters) == nil
                else { continue }
                cache.insert(tx)
            }
        }
    }

    /// New transactions reach the miner's template at most every `templateRefresh` seconds, so a
    /// stream of them does not keep the workers rebuilding templates.
    private func mempoolChanged(in state: NodeState) {
        guard let miner = state.miner, !state.refreshPending else { return }
        let wait = state.lastTemplateRefresh.addingTimeInterval(Node.templateRefresh).timeIntervalSinceNow
        if wait <= 0 {
            state.lastTemplateRefresh = Date()
            miner.newWork()
        } else {
            state.refreshPending = true
            timers.asyncAfter(deadline: .now() + wait) { [weak self] in
                self?.sync { state in
                    state.refreshPending = false
                    state.lastTemplateRefresh = Date()
                    state.miner?.newWork()
                }
            }
        }
    }

    /// `time`: when the chain took the new tip.
    private func tipChanged(_ change: TipChange, at time: Date, in state: NodeState) {
        let chain = state.chain
        // Progress toward a better chain, not a block of our own beside it.
        if let best = chain.index.bestHeader, best.ancestor(at: chain.tip.height)?.hash == chain.tip.hash {
            state.lastChainProgress = Date()
        }
        state.miner?.newWork()
        // Not while catching up (Core: not in initial block download): the peers serving the
        // chain have it, and the others hear of the tip once it is reached.
        if !chain.isSyncing { network?.announceBlocks(change.connected) }
        state.lastTemplateRefresh = Date()
        let candidates = state.mempool.prepareForTip(change)
        let returning = Set(change.disconnected.flatMap { $0.transactions.map(\.txid) })
        if candidates.count <= Node.readmissionChunk {
            // Few: back at once, under this hold of the lock.
            announceReturned(state.mempool.readmit(candidates, chain: chain, now: Node.now()), of: returning)
        } else {
            readmit(candidates, returning: returning)
        }
        let tip = chain.tip
        if !change.disconnected.isEmpty {
            logger.notice("reorganised: \(change.disconnected.count) block(s) off, \(change.connected.count) on")
            Node.reorganisations.increment()
        }
        let headerTime = Date(timeIntervalSince1970: TimeInterval(tip.header.time)).formatted(.iso8601)
        // When this node made the block its tip, to the millisecond (the log handler's own
        // timestamp has whole seconds): what `scripts/lan propagation` times blocks by.
        let seen = time.formatted(Node.millisecondTime)
        if chain.isSyncing, let best = chain.index.bestHeader {
            // At most one line a second while catching up, with the rate since the last one.
            let now = Date()
            let elapsed = now.timeIntervalSince(state.lastSyncLog.time)
            if elapsed >= 1 {
                let rate = Double(Int(tip.height) - Int(state.lastSyncLog.height)) / elapsed
                logger.info(
                    "sync \(tip.height)/\(best.height) \(String(format: "%.0f", max(0, rate))) blocks/s tip \(tip.hash) time \(headerTime)"
                )
                state.lastSyncLog = (now, tip.height)
            }
        } else {
            logger.info(
                "block \(tip.height) \(tip.hash) time \(headerTime) txs \(change.connected.last?.transactions.count ?? 0) at \(seen)"
            )
        }
        // Not while catching up: a copy of the whole store every `interval` blocks would make the
        // initial sync quadratic, and the chain being fetched is in the peers' stores anyway.
        // Between blocks only where blocks are passed on: a node that imports (no network) lets the
        // chain write the cache when full, as while catching up.
        if !chain.isSyncing, network != nil { writeCoinsLater(in: state) }
        if !change.connected.isEmpty, snapshots.isDue(at: tip.height), !chain.isSyncing {
            do {
                let url = try snapshots.take(from: chain.store, height: tip.height)
                logger.info("snapshot \(url.lastPathComponent)")
            } catch {
                logger.error("snapshot at \(tip.height) failed: \(error)")
            }
        }
    }

    /// Schedules a write of the coins cache once it is worth writing (`coinCacheWorthWriting`),
    /// `coinsWriteDelay` from now; while catching up the chain writes it when full instead.
    private func writeCoinsLater(in state: NodeState) {
        guard state.chain.coinCacheWorthWriting, !state.coinsWritePending else { return }
        state.coinsWritePending = true
        timers.asyncAfter(deadline: .now() + Node.coinsWriteDelay) { [weak self] in
            guard let self else { return }
            do {
                try sync { state in
                    state.coinsWritePending = false
                    try state.chain.flushCoins()
                }
            } catch {
                _ = reportFailure(error, while: "writing the coins cache")
            }
        }
    }

    /// After a reorganisation, transactions go back into the mempool a chunk at a time, each chunk
    /// under the lock on its own, so that a large mempool does not hold the node up; those of the
    /// disconnected blocks come first and are announced (peers may not have them).
    private func readmit(_ transactions: [Transaction], returning: Set<Hash256>) {
        guard !transactions.isEmpty else { return }
        let chunk = Array(transactions.prefix(Node.readmissionChunk))
        let rest = Array(transactions.dropFirst(chunk.count))
        timers.async { [weak self] in
            guard let self else { return }
            announceReturned(
                sync { state in state.mempool.readmit(chunk, chain: state.chain, now: Node.now()) }, of: returning)
            readmit(rest, returning: returning)
        }
    }

    static let readmissionChunk = 1_000

    /// Of the transactions taken back, those of the disconnected blocks are announced: peers may not
    /// have them.
    private func announceReturned(_ taken: [Transaction], of returning: Set<Hash256>) {
        let announced = taken.map(\.txid).filter(returning.contains)
        if !announced.isEmpty { network?.announceTransactions(announced) }
    }

    // MARK: Mining

    /// An ISO 8601 time with milliseconds, in UTC.
    public static let millisecondTime = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    /// Mines on `threads` threads until `stopMining`, or, with `blocks`, until that many blocks
    /// have been found and taken (then the miner stops by itself: `isMining` turns false).
    public func startMining(threads: Int, blocks: Int? = nil) {
        precondition(blocks.map { $0 > 0 } ?? true, "blocks to mine must be 1 or more")
        let miner = Miner(
            threads: threads,
            hooks: Miner.Hooks(
                template: { [self] in
                    sync { state in
                        let now = Node.now()
                        let chain = state.chain
                        // While better headers are still being fetched, mining on this tip is wasted
                        // work; so is a block that must be timed too far ahead of the clock to be
                        // accepted (a regtest chain mined without pause outruns the clock): wait.
                        guard !state.isFetchingBetterChain,
                            UInt64(chain.tip.medianTimePast()) + 1
                                <= UInt64(now) + UInt64(chain.parameters.maximumFutureBlockTime)
                        else { return nil }
                        return BlockAssembler.template(
                            chain: chain, mempool: state.mempool, payTo: rewardAddress, now: now)
                    }
                },
                found: { [self] block in
                    let found = Date()
                    do {
                        try sync { state in
                            // Stopped meanwhile (`stopMining` clears `miner` under the lock first): a
                            // node shutting down must not announce a block it will not be there to serve.
                            guard state.miner != nil else { return }
                            let result = try accept(block, encoded: nil, in: state)
                            if let violation = result.invalid[block.hash] {
                                logger.error("mined an invalid block: \(violation)")
                                return
                            }
                            logger.info("mined block \(block.hash) found at \(found.formatted(Node.millisecondTime))")
                            // A block another worker found on the same parent a moment later is
                            // not the tip (first seen wins): it does not count.
                            guard let left = state.blocksToMine, state.chain.tip.hash == block.hash else { return }
                            state.blocksToMine = left - 1
                            if left <= 1 {
                                // Done: cleared under the lock, so a block another worker finds
                                // meanwhile is dropped above; stopped elsewhere, since `stop` waits
                                // for this worker too.
                                let miner = state.miner
                                state.miner = nil
                                state.blocksToMine = nil
                                timers.async { miner?.stop() }
                            }
                        }
                    } catch  where Node.isVerdict(error) {
                        logger.error("mined block rejected: \(error)")
                    } catch {
                        _ = reportFailure(error, while: "storing mined block \(block.hash)")
                    }
                }), pauseAfterBlock: configuration.mineInterval)
        sync { state in
            state.miner = miner
            state.blocksToMine = blocks
        }
        miner.start()
    }

    public func stopMining() {
        let miner = sync { state -> Miner? in
            defer {
                state.miner = nil
                state.blocksToMine = nil
            }
            return state.miner
        }
        miner?.stop()
    }

    public var isMining: Bool { sync { $0.miner != nil } }
    public var miningThreads: Int { sync { $0.miner?.threads ?? 0 } }
    public var hashCount: UInt64 { sync { $0.miner?.hashCount ?? 0 } }

    /// Hashes per second over the last few seconds.
    public func hashRate() -> UInt64 { sync { $0.sampleHashRate() } }
}

/// The node's own failure: what it was doing and what went wrong (never a peer's fault).
public struct NodeFailure: Error, Sendable, CustomStringConvertible {
    public let action: String
    public let reason: String

    public var description: String { "\(action) failed: \(reason)" }
}
