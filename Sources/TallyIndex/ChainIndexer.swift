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

/// Keeps a `ChainIndex` on the node's active chain, on a thread of its own: every half second it
/// steps back over blocks that left the active chain, then adds the new ones. The thread runs at the
/// idle scheduling class (Linux's SCHED_IDLE): indexing a block of 1,000 payments is about 2 ms, the
/// same moment at every node, and on a machine whose cores are busy relaying that block it waits
/// until they are not. The index may lag the tip by a moment; it never holds a block that is not,
/// or was not just, active. A request that needs the index now catches it up on its own thread.
public final class ChainIndexer: Sendable {
    public let index: ChainIndex
    private let source: IndexSource
    private let logger: Logger
    private let running = Atomic<Bool>(false)
    /// Ends the half-second wait early (at stop).
    private let wake = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    /// Held while catching up, by the indexer's thread or a request's.
    private let catchingUp = Mutex(())

    public init(index: ChainIndex, source: IndexSource, logger: Logger) {
        self.index = index
        self.source = source
        self.logger = logger
    }

    public func start() {
        guard !running.exchange(true, ordering: .relaxed) else { return }
        let thread = Thread { [self] in
            ChainIndexer.yieldToEverythingElse()
            while running.load(ordering: .relaxed) {
                catchUpNow()
                _ = wake.wait(timeout: .now() + .milliseconds(500))
            }
            finished.signal()
        }
        thread.name = "tally.index"
        thread.start()
    }

    public func stop() {
        guard running.exchange(false, ordering: .relaxed) else { return }
        wake.signal()
        finished.wait()
    }

    /// Brings the index to the active tip now (tests and the first request after a new block).
    public func catchUpNow() { catchingUp.withLock { _ in catchUp() } }

    /// Puts the calling thread in the idle scheduling class, which any thread may enter (and none
    /// leaves without privilege). Its value, 5 in <sched.h>, is a macro Swift does not import.
    private static func yieldToEverythingElse() {
        #if os(Linux)
        var parameters = sched_param(sched_priority: 0)
        _ = pthread_setschedparam(pthread_self(), 5, &parameters)
        #endif
    }

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
