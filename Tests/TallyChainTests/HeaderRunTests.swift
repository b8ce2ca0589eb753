import TallyChain
import TallyCrypto
import TallyTestSupport
import TallyWire
import Testing

/// What a node stores of the headers and unasked-for blocks a peer sends: nothing of a chain with
/// less work than its tip (Protocol.md §13.8), and nothing at all without valid, linked proof of work.
@Suite struct HeaderRunTests {
    let t: TestChain

    init() throws {
        t = try TestChain()
        try t.mine(40, payTo: TestChain.address(TestChain.key(1)))
    }

    /// `count` solved blocks on the active block at `height`, tagged so they differ from the chain's.
    func fork(at height: UInt32, count: Int, tag: String = "fork") -> [Block] {
        let parent = t.chain.index.activeEntry(at: height)!
        var previous = (hash: parent.hash, height: parent.height, time: parent.header.time)
        var blocks: [Block] = []
        for _ in 0..<count {
            let coinbase = Transaction.coinbase(
                CoinbaseData(height: previous.height + 1, tag: Array(tag.utf8)),
                outputs: [TxOutput(amount: 1_000, address: TestChain.address(TestChain.key(2)))])
            let block = TestChain.solved(
                Block(
                    header: BlockHeader(
                        version: 1, previousBlockHash: previous.hash,
                        merkleRoot: coinbase.wtxid, time: previous.time + 1,
                        bits: 0x207f_ffff, nonce: 0), transactions: [coinbase]))
            blocks.append(block)
            previous = (block.hash, previous.height + 1, block.header.time)
        }
        return blocks
    }

    func stored(_ blocks: [Block]) -> Int { blocks.filter { t.chain.index[$0.hash] != nil }.count }

    @Test func aShorterForkIsNotStoredUnlessMoreMayFollow() throws {
        let low = fork(at: 10, count: 25)  // ends at height 35, below the tip at 40
        guard case .lowWork = try t.chain.acceptHeaderRun(low.map(\.header), workProven: false) else {
            Issue.record("a low-work fork was stored")
            return
        }
        #expect(stored(low) == 0)
        guard case .accepted(let entries) = try t.chain.acceptHeaderRun(low.map(\.header), workProven: true) else {
            Issue.record("a full message's headers were not kept")
            return
        }
        #expect(entries.count == 25 && stored(low) == 25)
        #expect(t.chain.height == 40)
    }

    @Test func aForkWithAsMuchWorkOrMoreIsStored() throws {
        let equal = fork(at: 30, count: 10, tag: "equal")
        guard case .accepted = try t.chain.acceptHeaderRun(equal.map(\.header), workProven: false) else {
            Issue.record("an equal-work fork was dropped")
            return
        }
        let heavier = fork(at: 30, count: 11, tag: "heavier")
        guard case .accepted(let entries) = try t.chain.acceptHeaderRun(heavier.map(\.header), workProven: false)
        else {
            Issue.record("a heavier fork was dropped")
            return
        }
        #expect(entries.last?.height == 41)
        #expect(t.chain.index.bestHeader?.hash == heavier.last?.hash)
    }

    @Test func badProofOfWorkIsInvalidEvenWithoutAParent() throws {
        var headers = fork(at: 40, count: 3).map(\.header)
        headers[0] = BlockHeader(
            version: 1, previousBlockHash: Hash256(bytes: [UInt8](repeating: 7, count: 32)),
            merkleRoot: headers[0].merkleRoot,
            time: headers[0].time, bits: 0x207f_ffff, nonce: 0)
        while !(Target.decode(bits: 0x207f_ffff)! < UInt256(headers[0].hash)) {
            headers[0].nonce += 1  // find a nonce that misses the target
        }
        #expect { try t.chain.acceptHeaderRun(headers, workProven: false) } throws: { error in
            (error as? RuleViolation)?.rule == .proofOfWork
        }
        let easy = BlockHeader(
            version: 1, previousBlockHash: t.chain.tip.hash, merkleRoot: headers[1].merkleRoot,
            time: headers[1].time, bits: 0x2100_ffff, nonce: 0)  // a target above the limit
        #expect { try t.chain.acceptHeaderRun([easy], workProven: false) } throws: { error in
            (error as? RuleViolation)?.rule == .proofOfWork
        }
    }

    @Test func headersThatDoNotFollowOneAnotherAreRefused() throws {
        let a = fork(at: 40, count: 2, tag: "a")
        let b = fork(at: 40, count: 2, tag: "b")
        #expect(throws: ChainError.unlinkedHeaders(b[1].hash)) {
            try t.chain.acceptHeaderRun([a[0].header, b[1].header], workProven: false)
        }
        #expect(stored(a + b) == 0)
    }

    @Test func anUnaskedForBlockIsWorthProcessingOnlyIfItCouldBeTheTip() throws {
        let next = fork(at: 40, count: 1, tag: "next")[0]
        let sibling = fork(at: 39, count: 1, tag: "sibling")[0]
        let stale = fork(at: 20, count: 1, tag: "stale")[0]
        let orphan = fork(at: 40, count: 2, tag: "orphan")[1]
        #expect(t.chain.isWorthProcessing(unrequested: next))
        #expect(t.chain.isWorthProcessing(unrequested: sibling))  // equal work: a competing tip
        #expect(!t.chain.isWorthProcessing(unrequested: stale))
        #expect(!t.chain.isWorthProcessing(unrequested: orphan))
        // A header that fails its proof of work (here bits whose target is zero, which once made
        // the work sum trap) goes on to processing, which condemns it and punishes its sender.
        var forged = fork(at: 40, count: 1, tag: "zero target")[0]
        forged = Block(
            header: BlockHeader(
                version: 1, previousBlockHash: forged.header.previousBlockHash, merkleRoot: forged.header.merkleRoot,
                time: forged.header.time, bits: 0x0100_3456, nonce: 0), transactions: forged.transactions)
        #expect(t.chain.isWorthProcessing(unrequested: forged))
        #expect { try t.chain.acceptBlock(forged) } throws: { ($0 as? RuleViolation)?.rule == .proofOfWork }
        // A known header does not make a stale block worth storing: its chain still cannot win.
        _ = try t.chain.acceptHeaderRun([stale.header], workProven: true)
        #expect(!t.chain.isWorthProcessing(unrequested: stale))
        _ = try t.chain.acceptHeaderRun([next.header], workProven: false)
        #expect(t.chain.isWorthProcessing(unrequested: next))
        // A block of the active chain we have: a duplicate (the late answer to a request we gave
        // up on), processed as one at no cost, not dropped as stale.
        let ours = try #require(try t.chain.block(t.chain.index.activeEntry(at: 20)!.hash))
        #expect(t.chain.isWorthProcessing(unrequested: ours))
        #expect(try t.chain.acceptBlock(ours).outcome == .duplicate)
    }

    /// A header that comes with its block is checked by the same rules and stored only with the
    /// block: one write, and nothing stored while relay waits on the check.
    @Test func aHeaderCheckedWithItsBlockIsStoredOnlyWithTheBlock() throws {
        let next = fork(at: 40, count: 1, tag: "next")[0]
        guard case .acceptable(let height) = try t.chain.checkHeader(next.header) else {
            Issue.record("the next block's header was not acceptable")
            return
        }
        #expect(height == 41 && stored([next]) == 0)
        #expect(try t.chain.acceptBlock(next).outcome == .accepted)
        #expect(t.chain.tip.hash == next.hash)
        guard case .acceptable(let known) = try t.chain.checkHeader(next.header) else {
            Issue.record("a stored header was not acceptable")
            return
        }
        #expect(known == 41)
        // The rules are those of a run of one: less work than the tip, no parent, a missed target.
        let stale = fork(at: 20, count: 1, tag: "stale")[0]
        guard case .lowWork = try t.chain.checkHeader(stale.header) else {
            Issue.record("a stale header was acceptable")
            return
        }
        let orphan = fork(at: 41, count: 2, tag: "orphan")[1]
        #expect(throws: ChainError.missingParent(orphan.header.previousBlockHash)) {
            try t.chain.checkHeader(orphan.header)
        }
        var missed = fork(at: 41, count: 1, tag: "missed")[0].header
        while !(Target.decode(bits: missed.bits)! < UInt256(missed.hash)) { missed.nonce += 1 }
        #expect { try t.chain.checkHeader(missed) } throws: { ($0 as? RuleViolation)?.rule == .proofOfWork }
        var early = fork(at: 41, count: 1, tag: "early")[0].header
        early.time = t.chain.tip.medianTimePast(span: t.chain.parameters.medianTimeSpan)
        while Target.decode(bits: early.bits)! < UInt256(early.hash) { early.nonce += 1 }
        #expect { try t.chain.checkHeader(early) } throws: { ($0 as? RuleViolation)?.rule == .timeTooOld }
        #expect(stored([stale, orphan]) == 0)
    }
}
