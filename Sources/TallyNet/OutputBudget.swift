/// What one peer's unsent answers cost the node, counted the way memory is spent: the bytes
/// queued plus a fixed cost per queued write, since a flood of 32-byte `pong`s costs far more in
/// write entries, buffers and promises than in bytes (issue #13: a byte count of 4 MiB let one
/// connection hold ~144 MiB). Once the cost passes `limit` the budget is spent — we stop reading
/// from the peer and serve it nothing large — until it falls to `resumeAt` (hysteresis, so reading
/// does not flap on every write). Pure bookkeeping (Protocol.md §13.8).
public struct OutputBudget: Sendable, Equatable {
    /// The memory one queued write holds beyond its bytes: NIO's pending-write entry, the frame's
    /// buffer (allocations round up) and the promise that tells us it reached the socket. Chosen
    /// from issue #13's figures (144 MiB held for 4 MiB of 32-byte `pong`s: about 1.1 KB each),
    /// not measured one write at a time.
    public static let perWriteCost = 1_024
    /// Defaults of `tallyd`: 1 MiB per peer, reading again below 256 KiB.
    public static let defaultLimit = 1 << 20
    public static let defaultResumeAt = 256 << 10

    public let limit: Int
    public let resumeAt: Int
    public private(set) var queuedBytes = 0
    public private(set) var queuedWrites = 0
    /// Past the limit and not yet back to `resumeAt`.
    public private(set) var isSpent = false

    public init(limit: Int = OutputBudget.defaultLimit, resumeAt: Int = OutputBudget.defaultResumeAt) {
        precondition(resumeAt <= limit, "the budget must resume at or below its limit")
        self.limit = limit
        self.resumeAt = resumeAt
    }

    /// What the queued writes cost now.
    public var cost: Int { queuedBytes + queuedWrites * Self.perWriteCost }

    /// Whether something more may be sent (and requests read).
    public var hasRoom: Bool { !isSpent }

    /// A write of `bytes` is queued; true if this write spent the budget.
    public mutating func charge(_ bytes: Int) -> Bool {
        queuedBytes += bytes
        queuedWrites += 1
        guard !isSpent, cost > limit else { return false }
        isSpent = true
        return true
    }

    /// A write of `bytes` reached the socket (or failed); true if this gave the budget back.
    public mutating func release(_ bytes: Int) -> Bool {
        queuedBytes = max(0, queuedBytes - bytes)
        queuedWrites = max(0, queuedWrites - 1)
        guard isSpent, cost <= resumeAt else { return false }
        isSpent = false
        return true
    }
}
