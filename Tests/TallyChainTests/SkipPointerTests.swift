import TallyCrypto
import TallyWire
import Testing

@testable import TallyChain

/// Ancestors by skip pointer, fork points and the forward download walk, against the plain walk
/// along parent pointers, on random trees.
@Suite struct SkipPointerTests {
    /// A random tree: each new entry extends a random earlier one, mostly the newest few, so that
    /// long chains and many forks both appear.
    static func randomTree(count: Int, using random: inout some RandomNumberGenerator) -> [BlockIndexEntry] {
        let genesis = entry(parent: nil, n: 0)
        var all = [genesis]
        for n in 1..<count {
            let pick =
                Int.random(in: 0..<100, using: &random) < 90
                ? all.count - 1 - Int.random(in: 0..<min(3, all.count), using: &random)
                : Int.random(in: 0..<all.count, using: &random)
            all.append(entry(parent: all[pick], n: n))
        }
        return all
    }

    static func entry(parent: BlockIndexEntry?, n: Int) -> BlockIndexEntry {
        let header = BlockHeader(
            version: 1, previousBlockHash: parent?.hash ?? .zero, merkleRoot: .zero, time: UInt32(n), bits: 0x207f_ffff,
            nonce: UInt32(n))
        return BlockIndexEntry(
            hash: header.hash, header: header, height: parent.map { $0.height + 1 } ?? 0, parent: parent,
            chainWork: (parent?.chainWork ?? .zero) + UInt256(1), sequence: Int64(n))
    }

    static func walkBack(_ entry: BlockIndexEntry, to height: UInt32) -> BlockIndexEntry {
        var e = entry
        while e.height > height { e = e.parent! }
        return e
    }

    static func plainFork(_ a: BlockIndexEntry, _ b: BlockIndexEntry) -> BlockIndexEntry {
        var x = walkBack(a, to: min(a.height, b.height))
        var y = walkBack(b, to: min(a.height, b.height))
        while x !== y {
            x = x.parent!
            y = y.parent!
        }
        return x
    }

    @Test func ancestorsAgreeWithTheParentWalk() {
        var random = SystemRandomNumberGenerator()
        for _ in 0..<5 {
            let tree = Self.randomTree(count: 3_000, using: &random)
            for _ in 0..<2_000 {
                let entry = tree.randomElement(using: &random)!
                let height = UInt32.random(in: 0...entry.height, using: &random)
                #expect(entry.ancestor(at: height) === Self.walkBack(entry, to: height))
            }
            #expect(tree[100].ancestor(at: tree[100].height + 1) == nil)
        }
    }

    @Test func forkPointsAgreeWithThePlainWalk() {
        var random = SystemRandomNumberGenerator()
        let tree = Self.randomTree(count: 3_000, using: &random)
        let index = BlockIndex()
        for _ in 0..<2_000 {
            let a = tree.randomElement(using: &random)!
            let b = tree.randomElement(using: &random)!
            #expect(index.fork(a, b) === Self.plainFork(a, b))
        }
    }

    @Test func ancestorWalksAreShort() {
        // A straight chain of 100,000: any ancestor within a few dozen steps, not thousands.
        var tip = Self.entry(parent: nil, n: 0)
        for n in 1...100_000 { tip = Self.entry(parent: tip, n: n) }
        var random = SystemRandomNumberGenerator()
        for _ in 0..<1_000 {
            let height = UInt32.random(in: 0...tip.height, using: &random)
            var steps = 0
            var entry = tip
            while entry.height > height {
                let skipHeight = BlockIndexEntry.skipHeight(entry.height)
                let parentSkip = entry.height >= 2 ? BlockIndexEntry.skipHeight(entry.height - 1) : 0
                let useSkip =
                    skipHeight == height
                    || (skipHeight > height && !(parentSkip + 2 < skipHeight && parentSkip >= height))
                entry = useSkip ? entry.skip! : entry.parent!
                steps += 1
            }
            #expect(entry.height == height)
            #expect(steps <= 110, "\(steps) steps to height \(height)")
        }
    }

    @Test func missingBlocksWalkForwardFromTheCommonBlock() {
        var random = SystemRandomNumberGenerator()
        for _ in 0..<20 {
            let tree = Self.randomTree(count: 600, using: &random)
            var index = BlockIndex()
            // Some blocks have their data; the active chain is a random path of those.
            var haveData = Set([tree[0].hash])
            for (n, entry) in tree.enumerated() {
                let withData = n == 0 || (haveData.contains(entry.parent!.hash) && Bool.random(using: &random))
                index.insert(entry, status: withData ? .haveData : .headerOnly)
                if withData {
                    haveData.insert(entry.hash)
                    index.markHaveData(entry)
                }
            }
            let activeTip = tree.filter { haveData.contains($0.hash) }.randomElement(using: &random)!
            index.setActiveTip(activeTip)
            guard let best = index.bestHeader, activeTip.chainWork < best.chainWork else { continue }
            // The plain answer: walk back from the best header to the active chain.
            var expected: [BlockIndexEntry] = []
            var entry: BlockIndexEntry? = best
            while let e = entry, !index.isActive(e) {
                if index.status(of: e) == .headerOnly { expected.append(e) }
                entry = e.parent
            }
            expected.reverse()
            #expect(index.missingBlocks(limit: 10_000, window: 10_000).map(\.hash) == expected.map(\.hash))
            #expect(index.missingBlocks(limit: 3).map(\.hash) == expected.prefix(3).map(\.hash))
            let window = index.missingBlocks(limit: 10_000, window: 5)
            #expect(window.allSatisfy { $0.height <= index.lastActiveAncestor(of: best).height + 5 })
        }
    }
}
