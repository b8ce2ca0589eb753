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
    /// An ancestor further back (Bitcoin Core's `pskip`), so that any ancestor is reached in
    /// O(log n) steps.
    public let skip: BlockIndexEntry?

    init(
        hash: Hash256, header: BlockHeader, height: UInt32, parent: BlockIndexEntry?, chainWork: UInt256,
        sequence: Int64
    ) {
        self.hash = hash
        self.header = header
        self.height = height
        self.parent = parent
        self.chainWork = chainWork
        self.sequence = sequence
        skip = parent?.ancestor(at: BlockIndexEntry.skipHeight(height))
    }

    /// The height the skip pointer of a block at `height` points to: clearing the lowest set bits
    /// gives jumps of every power of two, and the odd heights' extra step keeps the walks short.
    static func skipHeight(_ height: UInt32) -> UInt32 {
        guard height >= 2 else { return 0 }
        func clearingLowestBit(_ n: UInt32) -> UInt32 { n & (n &- 1) }
        return height & 1 == 1
            ? clearingLowestBit(clearingLowestBit(height - 1)) + 1 : clearingLowestBit(height)
    }

    /// The ancestor at `height` (self at its own height), in O(log n) steps by the skip pointers.
    public func ancestor(at height: UInt32) -> BlockIndexEntry? {
        guard height <= self.height else { return nil }
        var entry = self
        while entry.height > height {
            let skipHeight = BlockIndexEntry.skipHeight(entry.height)
            let parentSkipHeight = entry.height >= 2 ? BlockIndexEntry.skipHeight(entry.height - 1) : 0
            // Take the skip unless it overshoots, or the parent's skip would land closer.
            if let skip = entry.skip,
                skipHeight == height
                    || (skipHeight > height && !(parentSkipHeight + 2 < skipHeight && parentSkipHeight >= height))
            {
                entry = skip
            } else {
                entry = entry.parent!
            }
        }
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
            guard let e = entries[hash], !status(of: e).isInvalid else {
                candidates.remove(hash)
                continue
            }
            if e.chainWork < tipWork {
                candidates.remove(hash)
                continue
            }
            if best.map({ e.isBetterCandidate(than: $0) }) ?? true { best = e }
        }
        return best
    }

    /// The last block `a` and `b` have in common, in O(log n) steps: both are brought to the same
    /// height by their skip pointers, then the highest height where they still differ is found by
    /// halving, each probe an O(log n) ancestor look-up.
    public func fork(_ a: BlockIndexEntry, _ b: BlockIndexEntry) -> BlockIndexEntry {
        let height = min(a.height, b.height)
        let x = a.ancestor(at: height)!
        let y = b.ancestor(at: height)!
        if x === y { return x }
        // Invariant: they differ at `high` and agree at `low` (genesis at the latest).
        var low: UInt32 = 0
        var high = height
        while high - low > 1 {
            let middle = low + (high - low) / 2
            if x.ancestor(at: middle)! === y.ancestor(at: middle)! { low = middle } else { high = middle }
        }
        return x.ancestor(at: low)!
    }

    /// The last block of the active chain that `entry` descends from, in O(log n) steps.
    public func lastActiveAncestor(of entry: BlockIndexEntry) -> BlockIndexEntry {
        let top = min(entry.height, tip.height)
        if let ancestor = entry.ancestor(at: top), isActive(ancestor) { return ancestor }
        var low: UInt32 = 0  // genesis is always shared
        var high = top
        while high - low > 1 {
            let middle = low + (high - low) / 2
            if isActive(entry.ancestor(at: middle)!) { low = middle } else { high = middle }
        }
        return entry.ancestor(at: low)!
    }

    /// Blocks of the best header chain whose transactions are not stored yet, lowest first, at most
    /// `limit`, looked for within a window of `window` blocks past the last block the best chain
    /// shares with the active one (Core's download window): what sync should fetch next. The walk
    /// starts at that common block and moves forward a chunk at a time, stopping once it has
    /// `limit`, so its cost does not grow with the chain.
    public func missingBlocks(limit: Int, window: Int = 1_024) -> [BlockIndexEntry] {
        guard let best = bestHeader, tip.chainWork < best.chainWork, limit > 0 else { return [] }
        let common = lastActiveAncestor(of: best)
        let end = UInt32(min(UInt64(best.height), UInt64(common.height) + UInt64(window)))
        var missing: [BlockIndexEntry] = []
        var chunkStart = common.height
        while chunkStart < end && missing.count < limit {
            let chunkEnd = min(end, chunkStart + BlockIndex.downloadChunk)
            var chunk: [BlockIndexEntry] = []
            chunk.reserveCapacity(Int(chunkEnd - chunkStart))
            var entry = best.ancestor(at: chunkEnd)
            while let e = entry, e.height > chunkStart {
                chunk.append(e)
                entry = e.parent
            }
            for e in chunk.reversed() where status(of: e) == .headerOnly {
                missing.append(e)
                if missing.count == limit { break }
            }
            chunkStart = chunkEnd
        }
        return missing
    }

    static let downloadChunk: UInt32 = 128

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
