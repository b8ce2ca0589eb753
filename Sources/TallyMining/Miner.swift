import Foundation
import Synchronization
import TallyChain
import TallyCrypto
import TallyWire

/// Mines on `threads` OS threads (never on Swift's cooperative pool, which CPU-bound loops would
/// starve). Each worker takes the current template, gives its coinbase an extra nonce of its own
/// (so no two workers hash the same header), and scans nonces in short slices; between slices it
/// reads one atomic work generation. `newWork()` bumps it, and every worker drops the stale
/// template within one slice (well under a millisecond).
public final class Miner: Sendable {
    public struct Hooks: Sendable {
        /// A fresh template for the current tip, or nil when mining now would be wasted (the node
        /// is still fetching a better chain).
        public let template: @Sendable () -> Block?
        /// Hands over a solved block; returns once the chain has taken it.
        public let found: @Sendable (Block) -> Void

        public init(template: @escaping @Sendable () -> Block?, found: @escaping @Sendable (Block) -> Void) {
            self.template = template
            self.found = found
        }
    }

    /// One template, shared by all workers of a generation.
    private struct Job {
        let generation: UInt64
        let block: Block?
    }

    /// Nonces scanned between two looks at the work generation.
    public static let slice: UInt32 = 1 << 14

    public let threads: Int
    private let hooks: Hooks
    private let pauseAfterBlock: Double
    private let generation = Atomic<UInt64>(1)
    private let running = Atomic<Bool>(false)
    private let hashes = Atomic<UInt64>(0)
    /// Uptime (ns) before which no worker starts a template: the pause after a found block.
    private let resumeAt = Atomic<UInt64>(0)
    private let job = Mutex<Job?>(nil)
    /// The generation each worker is currently hashing, for measuring how fast they let go.
    private final class WorkerState: Sendable {
        let generation = Atomic<UInt64>(0)
    }
    private let working: [WorkerState]
    private let finished = DispatchSemaphore(value: 0)

    public init(threads: Int, hooks: Hooks, pauseAfterBlock: Double = 0) {
        self.threads = max(1, threads)
        self.hooks = hooks
        self.pauseAfterBlock = pauseAfterBlock
        working = (0..<max(1, threads)).map { _ in WorkerState() }
    }

    /// Hashes tried since start.
    public var hashCount: UInt64 { hashes.load(ordering: .relaxed) }

    /// Whether every worker has left generations before `generation`.
    public func allWorkersReached(_ generation: UInt64) -> Bool {
        working.allSatisfy { $0.generation.load(ordering: .acquiring) >= generation }
    }

    public func start() {
        guard !running.exchange(true, ordering: .acquiringAndReleasing) else { return }
        for index in 0..<threads {
            let thread = Thread { [self] in
                work(index)
                finished.signal()
            }
            thread.name = "tally-miner-\(index)"
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    /// The tip changed or the template is stale: every worker abandons its search. Returns the new
    /// generation.
    @discardableResult
    public func newWork() -> UInt64 { generation.add(1, ordering: .acquiringAndReleasing).newValue }

    /// Stops the workers and waits until all have left their loops.
    public func stop() {
        guard running.exchange(false, ordering: .acquiringAndReleasing) else { return }
        newWork()
        for _ in 0..<threads { finished.wait() }
    }

    /// The template of `generation`, built by whichever worker asks first.
    private func template(for generation: UInt64) -> Block? {
        if let current = job.withLock({ $0 }), current.generation == generation { return current.block }
        let block = hooks.template()
        return job.withLock { current in
            if let current, current.generation >= generation { return current.block }
            current = Job(generation: generation, block: block)
            return block
        }
    }

    private func work(_ index: Int) {
        var round: UInt64 = 0
        while running.load(ordering: .relaxed) {
            pauseIfAsked()
            let started = generation.load(ordering: .acquiring)
            working[index].generation.store(started, ordering: .releasing)
            round += 1
            // Worker index in the top byte, a per-worker counter below: disjoint header spaces.
            let extraNonce = UInt64(index) << 56 | round
            guard let template = template(for: started) else {
                // Nothing worth mining yet: look again shortly (or as soon as the work changes).
                for _ in 0..<10 where generation.load(ordering: .relaxed) == started && running.load(ordering: .relaxed)
                {
                    Thread.sleep(forTimeInterval: 0.01)
                }
                if generation.load(ordering: .relaxed) == started { newWork() }
                continue
            }
            var block = BlockAssembler.withExtraNonce(template, extraNonce)
            block.header.time = max(block.header.time, UInt32(Date().timeIntervalSince1970))
            guard var scanner = NonceScanner(header: block.header) else { return }
            var nonce: UInt32 = 0
            var solved: UInt32?
            while solved == nil, generation.load(ordering: .relaxed) == started {
                // One template lasts a whole block interval: a header left dated when its work
                // began would carry the previous block's interval, and the difficulty rule
                // (Protocol.md §7) would answer the chain's pace one block late.
                let now = UInt32(Date().timeIntervalSince1970)
                if now > block.header.time {
                    block.header.time = now
                    scanner = NonceScanner(header: block.header) ?? scanner
                }
                let count = min(Miner.slice, UInt32.max - nonce)
                solved = scanner.scan(from: nonce, count: count)
                hashes.add(UInt64(solved.map { $0 - nonce + 1 } ?? count), ordering: .relaxed)
                if count < Miner.slice { break }
                nonce += count
            }
            // A block found while stopping is dropped: the node is shutting down, and announcing a
            // block it will not be there to serve leaves peers with a header they cannot fetch.
            if let solved, running.load(ordering: .acquiring), generation.load(ordering: .relaxed) == started {
                block.header.nonce = solved
                if pauseAfterBlock > 0 {
                    resumeAt.store(
                        DispatchTime.now().uptimeNanoseconds + UInt64(pauseAfterBlock * 1e9), ordering: .relaxed)
                }
                hooks.found(block)
            }
        }
        working[index].generation.store(.max, ordering: .releasing)
    }

    /// Waits out the pause after a found block, in short steps so that `stop` is never kept waiting.
    private func pauseIfAsked() {
        while running.load(ordering: .relaxed)
            && DispatchTime.now().uptimeNanoseconds < resumeAt.load(ordering: .relaxed)
        {
            Thread.sleep(forTimeInterval: 0.01)
        }
    }
}
