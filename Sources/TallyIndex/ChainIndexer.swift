import Foundation
import Logging
import Synchronization
import TallyCrypto
import TallyWire

/// What the indexer reads of the node's chain.
public protocol IndexSource: AnyObject, Sendable {
    /// Hashes of the active chain from `height` up, at most `count` of them.
    func activeHashes(from height: UInt32, count: Int) -> [Hash256]
    func block(_ hash: Hash256) -> Block?
}

/// Keeps a `ChainIndex` on the node's active chain, on a queue of its own: every half second (and
/// when nudged) it steps back over blocks that left the active chain, then adds the new ones. The
/// index may lag the tip by a moment; it never holds a block that is not, or was not just, active.
public final class ChainIndexer: Sendable {
    public let index: ChainIndex
    private let source: IndexSource
    private let logger: Logger
    private let queue = DispatchQueue(label: "tally.index")
    private let running = Atomic<Bool>(false)

    public init(index: ChainIndex, source: IndexSource, logger: Logger) {
        self.index = index
        self.source = source
        self.logger = logger
    }

    public func start() {
        running.store(true, ordering: .relaxed)
        scheduleCatchUp(after: .nanoseconds(0))
    }

    private func scheduleCatchUp(after delay: DispatchTimeInterval) {
        queue.asyncAfter(deadline: .now() + delay) { [self] in
            guard running.load(ordering: .relaxed) else { return }
            catchUp()
            scheduleCatchUp(after: .milliseconds(500))
        }
    }

    public func stop() {
        running.store(false, ordering: .relaxed)
        queue.sync {}
    }

    /// Brings the index to the active tip now (tests and the first request after a new block).
    public func catchUpNow() { queue.sync { catchUp() } }

    private func catchUp() {
        do {
            while true {
                let tip = try index.tip()
                // Step back while the indexed tip is no longer the active block at its height.
                if let tip, source.activeHashes(from: tip.height, count: 1).first != tip.hash {
                    try index.disconnectTip()
                    continue
                }
                let next = tip.map { $0.height + 1 } ?? 0
                let hashes = source.activeHashes(from: next, count: 100)
                guard !hashes.isEmpty else { return }
                for (offset, hash) in hashes.enumerated() {
                    // A block that left the chain meanwhile is caught by the check above next round.
                    guard let block = source.block(hash) else { return }
                    try index.connect(block, hash: hash, height: next + UInt32(offset))
                }
            }
        } catch {
            logger.error("chain index: \(error)")
        }
    }
}
