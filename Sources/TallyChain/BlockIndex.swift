import TallyCrypto
import TallyWire

/// What the node knows of one block.
public enum BlockStatus: Int, Sendable {
    /// Header valid; transactions not (yet) stored.
    case headerOnly = 0
    /// Header valid and transactions stored; not yet found invalid.
    case haveData = 1
    /// The block broke a rule.
    case invalid = 2
    /// An ancestor broke a rule.
    case invalidAncestor = 3

    public var isInvalid: Bool { self == .invalid || self == .invalidAncestor }
}

/// One node of the block tree: immutable, so any thread may read it. Reference type so that the
/// tree can link parents cheaply; what changes about a block (its status) is kept by the
/// `BlockIndex`, which has a single writer.
public final class BlockIndexEntry: Sendable {
    public let hash: Hash256
    public let header: BlockHeader
    public let height: UInt32
    public let parent: BlockIndexEntry?
    /// Sum of the work of this block and all its ancestors.
    public let chainWork: UInt256
    /// Order of arrival; on equal work the block seen first wins.
    public let sequence: Int64

    init(hash: Hash256, header: BlockHeader, height: UInt32, parent: BlockIndexEntry?, chainWork: UInt256,
         sequence: Int64) {
        self.hash = hash
        self.header = header
        self.height = height
        self.parent = parent
        self.chainWork = chainWork
        self.sequence = sequence
    }

    public func ancestor(at height: UInt32) -> BlockIndexEntry? {
        guard height <= self.height else { return nil }
        var entry = self
        while entry.height > height { entry = entry.parent! }
        return entry
    }

    /// Median of the timestamps of this block and up to ten ancestors (rule R3).
    public func medianTimePast(span: Int = 11) -> UInt32 {
        var times: [UInt32] = []
        var entry: BlockIndexEntry? = self
        while let e = entry, times.count < span {
            times.append(e.header.time)
            entry = e.parent
        }
        times.sort()
        return times[times.count / 2]
    }

    /// Whether `self` beats `other` as a chain tip: more work, or equal work and seen first.
    func isBetterCandidate(than other: BlockIndexEntry) -> Bool {
        if chainWork != other.chainWork { return other.chainWork < chainWork }
        return sequence < other.sequence
    }
}

/// The tree of every block header known, the active chain through it, and the tips that could
/// replace the active one. Pure bookkeeping: no I/O, no rules.
public struct BlockIndex {
    public private(set) var entries: [Hash256: BlockIndexEntry] = [:]
    private var children: [Hash256: [BlockIndexEntry]] = [:]
    private var statuses: [Hash256: BlockStatus] = [:]
    /// Blocks that, with every ancestor, have their transactions stored.
    private var chainsWithData = Set<Hash256>()
    /// The active chain by height.
    public private(set) var active: [BlockIndexEntry] = []
    /// Blocks with all data up to genesis that might carry more work than the tip.
    private var candidates = Set<Hash256>()
    /// The valid header with the most work (first seen on a tie), whether or not its block is here:
    /// where sync is heading.
    public private(set) var bestHeader: BlockIndexEntry?

    public init() {}

    public var tip: BlockIndexEntry { active[active.count - 1] }
    public var genesis: BlockIndexEntry { active[0] }

    public subscript(hash: Hash256) -> BlockIndexEntry? { entries[hash] }

    public func status(of entry: BlockIndexEntry) -> BlockStatus { statuses[entry.hash] ?? .headerOnly }

    /// Whether `entry` and every ancestor have their transactions stored.
    public func chainHasData(_ entry: BlockIndexEntry) -> Bool { chainsWithData.contains(entry.hash) }

    public func activeEntry(at height: UInt32) -> BlockIndexEntry? {
        Int(height) < active.count ? active[Int(height)] : nil
    }

    public func isActive(_ entry: BlockIndexEntry) -> Bool { activeEntry(at: entry.height) === entry }

    mutating func insert(_ entry: BlockIndexEntry, status: BlockStatus) {
        entries[entry.hash] = entry
        statuses[entry.hash] = status
        if let parent = entry.parent { children[parent.hash, default: []].append(entry) }
        if !status.isInvalid, bestHeader.map({ entry.isBetterCandidate(than: $0) }) ?? true { bestHeader = entry }
    }

    /// Records that `entry`'s transactions are stored, and propagates "whole chain has data" to it
    /// and to any descendants that were waiting for it.
    mutating func markHaveData(_ entry: BlockIndexEntry) {
        if status(of: entry) == .headerOnly { statuses[entry.hash] = .haveData }
        guard entry.parent.map(chainHasData) ?? true else { return }
        var stack = [entry]
        while let e = stack.popLast() {
            guard !chainHasData(e), status(of: e) == .haveData else { continue }
            chainsWithData.insert(e.hash)
            candidates.insert(e.hash)
            stack.append(contentsOf: children[e.hash] ?? [])
        }
    }

    /// Marks `entry` invalid and all its descendants as having an invalid ancestor; returns them all.
    @discardableResult
    mutating func markInvalid(_ entry: BlockIndexEntry) -> [BlockIndexEntry] {
        statuses[entry.hash] = .invalid
        candidates.remove(entry.hash)
        var marked = [entry]
        var stack = children[entry.hash] ?? []
        while let e = stack.popLast() {
            guard status(of: e) != .invalidAncestor else { continue }
            statuses[e.hash] = .invalidAncestor
            candidates.remove(e.hash)
            marked.append(e)
            stack.append(contentsOf: children[e.hash] ?? [])
        }
        if let best = bestHeader, status(of: best).isInvalid {
            bestHeader = entries.values.filter { !status(of: $0).isInvalid }.min { $0.isBetterCandidate(than: $1) }
        }
        return marked
    }

    /// Makes `entry` the tip of the active chain (it may be an ancestor of the current tip, or
    /// extend from any block of the active chain).
    mutating func setActiveTip(_ entry: BlockIndexEntry) {
        var missing: [BlockIndexEntry] = []
        var e: BlockIndexEntry? = entry
        while let current = e, !isActive(current) {
            missing.append(current)
            e = current.parent
        }
        let keep = e.map { Int($0.height) + 1 } ?? 0
        active.removeLast(active.count - keep)
        active.append(contentsOf: missing.reversed())
    }

    /// A tip that was disconnected may win again later (if the branch that replaced it fails).
    mutating func addCandidate(_ entry: BlockIndexEntry) {
        if chainHasData(entry) && !status(of: entry).isInvalid { candidates.insert(entry.hash) }
    }

    /// The candidate with the most work (the first seen on a tie), pruning those with less work
    /// than the tip, which can never win.
    mutating func bestCandidate() -> BlockIndexEntry? {
        let tipWork = tip.chainWork
        var best: BlockIndexEntry?
        for hash in candidates {
            guard let e = entries[hash], !status(of: e).isInvalid else { candidates.remove(hash); continue }
            if e.chainWork < tipWork { candidates.remove(hash); continue }
            if best.map({ e.isBetterCandidate(than: $0) }) ?? true { best = e }
        }
        return best
    }

    /// The last block `a` and `b` have in common.
    public func fork(_ a: BlockIndexEntry, _ b: BlockIndexEntry) -> BlockIndexEntry {
        var x = a, y = b
        while x.height > y.height { x = x.parent! }
        while y.height > x.height { y = y.parent! }
        while x !== y { x = x.parent!; y = y.parent! }
        return x
    }

    /// Blocks of the best header chain whose transactions are not stored yet, lowest first, at most
    /// `limit`: what sync should fetch next.
    public func missingBlocks(limit: Int) -> [BlockIndexEntry] {
        guard let best = bestHeader, tip.chainWork < best.chainWork else { return [] }
        var missing: [BlockIndexEntry] = []
        var entry: BlockIndexEntry? = best
        while let e = entry, !isActive(e) {
            if status(of: e) == .headerOnly { missing.append(e) }
            entry = e.parent
        }
        return Array(missing.reversed().prefix(limit))
    }

    /// The first block of the active chain after the last locator hash found on it (genesis if
    /// none is): where a peer's chain and ours part.
    public func forkPoint(locator: [Hash256]) -> BlockIndexEntry {
        for hash in locator {
            if let entry = entries[hash], isActive(entry) { return entry }
        }
        return genesis
    }

    /// Active-chain entries after the locator's fork point, up to `stop` (inclusive) or `limit`.
    public func activeEntries(after locator: [Hash256], stop: Hash256, limit: Int) -> [BlockIndexEntry] {
        let start = Int(forkPoint(locator: locator).height) + 1
        var result: [BlockIndexEntry] = []
        var height = start
        while height < active.count, result.count < limit {
            result.append(active[height])
            if active[height].hash == stop { break }
            height += 1
        }
        return result
    }

    /// Hashes of the active chain from the tip back: ten steps of one, then doubling steps, and
    /// always genesis last (at most 101 hashes with a 2^64-block chain; far fewer in practice).
    public func locator(from entry: BlockIndexEntry? = nil) -> [Hash256] {
        var hashes: [Hash256] = []
        var step: UInt32 = 1
        var current = entry ?? tip
        while true {
            hashes.append(current.hash)
            if current.height == 0 { break }
            let nextHeight = current.height >= step ? current.height - step : 0
            current = current.ancestor(at: nextHeight)!
            if hashes.count >= 10 { step = step &* 2 }
        }
        return hashes
    }
}
