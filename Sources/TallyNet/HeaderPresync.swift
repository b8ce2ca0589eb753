import TallyChain
import TallyCrypto

/// A peer's header chain with less work than our tip, counted before any of it is stored (Bitcoin
/// Core's headers presync, in small): only its work so far and the last hash of each message are
/// kept. Once the work passes the tip's, the chain is asked for again from where it forked, and each
/// message must end on the hash kept for it, so what is then stored is the chain whose work was
/// counted (Protocol.md §13.8). Pure bookkeeping.
public struct HeaderPresync: Sendable {
    /// Headers counted at most: a longer chain that still has less work than ours is dropped (and
    /// its headers count as low-work ones).
    public static let maximumHeaders = 200_000

    /// The block the chain leaves ours at: where it is asked for again.
    public let forkParent: Hash256
    public private(set) var work: UInt256
    public private(set) var headerCount: Int
    private var ends: [Hash256]
    /// While the chain is asked for again: how many of the counted messages came back.
    private var redownloaded: Int?

    /// Starts with the first message: `work` is the chain's work at its last header, `end`.
    public init(forkParent: Hash256, work: UInt256, headers: Int, end: Hash256) {
        self.forkParent = forkParent
        self.work = work
        headerCount = headers
        ends = [end]
    }

    public var isRedownloading: Bool { redownloaded != nil }

    /// What the next message's first header must follow.
    public var expectedParent: Hash256 {
        guard let redownloaded else { return ends[ends.count - 1] }
        return redownloaded == 0 ? forkParent : ends[redownloaded - 1]
    }

    /// Counts one more message of the chain; false if the chain is longer than the node follows.
    public mutating func count(work more: UInt256, headers: Int, end: Hash256) -> Bool {
        guard headerCount + headers <= Self.maximumHeaders else { return false }
        work = work + more
        headerCount += headers
        ends.append(end)
        return true
    }

    /// The chain has more work than the tip: it is asked for again from `forkParent`.
    public mutating func startRedownload() { redownloaded = 0 }

    /// A message asked for again ends on `end`: whether it is the one that was counted there (only
    /// then may it be stored).
    public mutating func redownload(endingAt end: Hash256) -> Bool {
        guard let done = redownloaded, done < ends.count, ends[done] == end else { return false }
        redownloaded = done + 1
        return true
    }

    /// Every counted message came back: the chain is stored and syncs as any other.
    public var isComplete: Bool { redownloaded == ends.count }
}
