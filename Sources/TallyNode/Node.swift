import Foundation
import Logging
import TallyChain
import TallyCrypto
import TallyMempool
import TallyMining
import TallyWire

/// One Tally node: the chain, the mempool and the miner, wired together. Chain and mempool have a
/// single writer, this node's serial queue; every mutation goes through it.
public final class Node: @unchecked Sendable {
    public let configuration: NodeConfiguration
    public let chain: ChainState
    public let mempool: Mempool
    public let rewardAddress: AddressHash
    private let queue = DispatchQueue(label: "tally.node")
    private let snapshots: Snapshots
    private var miner: Miner?
    private let logger: Logger

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

    /// Runs `body` on the node's queue, the only place chain and mempool change.
    public func sync<T>(_ body: () throws -> T) rethrows -> T { try queue.sync(execute: body) }

    // MARK: Blocks and transactions

    /// Hands a block (mined here or received) to the chain, then brings the mempool, the miner and
    /// the snapshots up to date.
    @discardableResult
    public func submit(_ block: Block) throws -> BlockAcceptance {
        try queue.sync {
            let result = try chain.acceptBlock(block)
            for (hash, violation) in result.invalid { logger.warning("block \(hash) is invalid: \(violation)") }
            if !result.tipChange.isEmpty { tipChanged(result.tipChange) }
            return result
        }
    }

    @discardableResult
    public func submit(_ tx: Transaction) throws(MempoolError) -> [Transaction] {
        let outcome = queue.sync { () -> Result<[Transaction], MempoolError> in
            Result { () throws(MempoolError) in try mempool.accept(tx, chain: chain, now: Node.now()) }
        }
        if case .success = outcome { queue.sync { miner?.newWork() } }
        return try outcome.get()
    }

    private func tipChanged(_ change: TipChange) {
        miner?.newWork()
        mempool.update(for: change, chain: chain, now: Node.now())
        let tip = chain.tip
        if !change.disconnected.isEmpty {
            logger.notice("reorganised: \(change.disconnected.count) block(s) off, \(change.connected.count) on")
        }
        let time = Date(timeIntervalSince1970: TimeInterval(tip.header.time)).formatted(.iso8601)
        logger.info("block \(tip.height) \(tip.hash) time \(time) txs \(change.connected.last?.transactions.count ?? 0)")
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

    public func startMining() {
        let miner = Miner(hooks: Miner.Hooks(
            template: { [self] extraNonce in
                queue.sync {
                    BlockAssembler.template(chain: chain, mempool: mempool, payTo: rewardAddress, now: Node.now(),
                                            extraNonce: extraNonce)
                }
            },
            found: { [self] block in
                do {
                    let result = try submit(block)
                    if let violation = result.invalid[block.hash] { logger.error("mined an invalid block: \(violation)") }
                } catch {
                    logger.error("mined block rejected: \(error)")
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

    public var hashCount: UInt64 { queue.sync { miner?.hashCount ?? 0 } }
}
