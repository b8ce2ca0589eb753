import Foundation
import Synchronization
import TallyChain
import TallyCrypto
import TallyWire

/// Mines on its own OS thread (never on Swift's cooperative pool, which a CPU-bound loop would
/// starve). It reads an atomic work generation every few thousand nonces: `newWork()` bumps it and
/// the worker drops its template at once.
public final class Miner: @unchecked Sendable {
    public struct Hooks: Sendable {
        /// A fresh template for the current tip.
        public let template: @Sendable (_ extraNonce: UInt64) -> Block
        /// Hands over a solved block; returns once the chain has taken it.
        public let found: @Sendable (Block) -> Void

        public init(template: @escaping @Sendable (UInt64) -> Block, found: @escaping @Sendable (Block) -> Void) {
            self.template = template
            self.found = found
        }
    }

    private let hooks: Hooks
    private let pauseAfterBlock: Double
    private let generation = Atomic<UInt64>(0)
    private let running = Atomic<Bool>(false)
    private let hashes = Atomic<UInt64>(0)
    private let finished = DispatchSemaphore(value: 0)

    public init(hooks: Hooks, pauseAfterBlock: Double = 0) {
        self.hooks = hooks
        self.pauseAfterBlock = pauseAfterBlock
    }

    /// Hashes tried since start.
    public var hashCount: UInt64 { hashes.load(ordering: .relaxed) }

    public func start() {
        guard !running.exchange(true, ordering: .acquiring) else { return }
        let thread = Thread { [self] in work(); finished.signal() }
        thread.name = "tally-miner"
        thread.start()
    }

    /// The tip changed or the template is stale: abandon the current search.
    public func newWork() { generation.add(1, ordering: .releasing) }

    /// Stops the worker and waits until it has left its loop.
    public func stop() {
        guard running.exchange(false, ordering: .acquiring) else { return }
        newWork()
        finished.wait()
    }

    private func work() {
        var extraNonce: UInt64 = 0
        while running.load(ordering: .acquiring) {
            let started = generation.load(ordering: .acquiring)
            let block = hooks.template(extraNonce)
            let stale = { [self] in generation.load(ordering: .relaxed) != started || !running.load(ordering: .relaxed) }
            var tried: UInt64 = 0
            let solved = ProofOfWork.search(block.header, checkInterval: 4096) {
                hashes.add(4096, ordering: .relaxed)
                tried += 4096
                return stale()
            }
            if let header = solved {
                hooks.found(Block(header: header, transactions: block.transactions))
                if pauseAfterBlock > 0 { pause(pauseAfterBlock) }
            } else if !stale() {
                extraNonce += 1
            }
        }
    }

    /// Sleeps in short steps so that `stop` is never kept waiting long.
    private func pause(_ seconds: Double) {
        let deadline = Date().addingTimeInterval(seconds)
        while running.load(ordering: .relaxed) && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
    }
}
