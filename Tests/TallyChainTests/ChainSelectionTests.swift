import TallyChain
import TallyCrypto
import TallyMempool
import TallyTestSupport
import TallyWire
import Testing

/// Heaviest-chain selection: reorganisations of several depths with the UTXO set and the mempool
/// checked after each, first-seen on equal work, orphans, and invalid branches.
@Suite struct ChainSelectionTests {
    let t: TestChain
    let mempool = Mempool()
    let alice = TestChain.key(1)
    let bob = TestChain.key(2)

    init() throws {
        t = try TestChain()
        try t.mine(110, payTo: TestChain.address(alice))
    }

    func payment(from height: UInt32, fee: UInt64 = 10_000) throws -> Transaction {
        let source = try t.coinbase(at: height)
        return t.spend(
            [(TestChain.outpoint(source), alice)],
            to: [TxOutput(amount: source.outputs[0].amount - fee, address: TestChain.address(bob))])
    }

    /// `count` blocks on `parent`, the first holding `transactions`; not submitted.
    func branch(on parent: BlockIndexEntry, count: Int, first transactions: [Transaction] = [], tag: String) -> [Block]
    {
        branch(on: (parent.hash, parent.height, parent.header.time), count: count, first: transactions, tag: tag)
    }

    func branch(
        after block: Block, height: UInt32, count: Int, first transactions: [Transaction] = [], tag: String
    ) -> [Block] {
        branch(on: (block.hash, height, block.header.time), count: count, first: transactions, tag: tag)
    }

    private func branch(
        on parent: (hash: Hash256, height: UInt32, time: UInt32), count: Int, first transactions: [Transaction],
        tag: String
    ) -> [Block] {
        var blocks: [Block] = []
        var previous = parent
        for i in 0..<count {
            let height = previous.height + 1
            let coinbase = Transaction.coinbase(
                CoinbaseData(height: height, tag: Array(tag.utf8)),
                outputs: [TxOutput(amount: 1_000, address: TestChain.address(bob))])
            let all = [coinbase] + (i == 0 ? transactions : [])
            let header = BlockHeader(
                version: 1, previousBlockHash: previous.hash, merkleRoot: MerkleTree.root(all.map(\.wtxid)),
                time: previous.time + 1, bits: 0x207f_ffff, nonce: 0)
            let block = TestChain.solved(Block(header: header, transactions: all))
            blocks.append(block)
            previous = (block.hash, height, header.time)
        }
        return blocks
    }

    /// Submits blocks in order, updating the mempool as a node would.
    @discardableResult
    func submit(_ blocks: [Block]) throws -> TipChange {
        var total = TipChange()
        for block in blocks {
            let result = try t.chain.acceptBlock(block)
            mempool.update(for: result.tipChange, chain: t.chain, now: t.now)
            total.disconnected += result.tipChange.disconnected
            total.connected += result.tipChange.connected
        }
        return total
    }

    @Test(arguments: [1, 10, 100])
    func reorganisesToTheHeavierBranch(depth: Int) throws {
        let fork = t.chain.tip
        let txA = try payment(from: 1)
        let txB = try payment(from: 3)
        let txM = try payment(from: 2)
        let branchA = branch(on: fork, count: depth, first: [txA], tag: "A")
        let branchB = branch(on: fork, count: depth + 1, first: [txB], tag: "B")

        try submit(branchA)
        #expect(t.chain.tip.hash == branchA.last!.hash)
        try mempool.accept(txM, chain: t.chain, now: t.now)
        #expect(try t.chain.coin(TestChain.outpoint(txA)) != nil)

        let change = try submit(branchB)
        #expect(t.chain.tip.hash == branchB.last!.hash)
        #expect(t.chain.height == fork.height + UInt32(depth) + 1)
        #expect(change.disconnected.map(\.hash) == branchA.reversed().map(\.hash))
        #expect(change.connected.map(\.hash) == branchB.map(\.hash))

        // UTXO set: branch A's payment undone (its coinbase source unspent again), branch B's applied.
        #expect(try t.chain.coin(TestChain.outpoint(txA)) == nil)
        #expect(try t.chain.coin(txA.inputs[0].outpoint) != nil)
        #expect(try t.chain.coin(TestChain.outpoint(txB)) != nil)
        #expect(try t.chain.coin(txB.inputs[0].outpoint) == nil)
        #expect(try t.isConsistent())

        // Mempool: A's payment is back, the unconfirmed one stayed, B's confirmed one is absent.
        #expect(mempool.contains(txA.txid))
        #expect(mempool.contains(txM.txid))
        #expect(!mempool.contains(txB.txid))

        try t.reopen()
        #expect(t.chain.tip.hash == branchB.last!.hash)
        #expect(try t.isConsistent())
    }

    @Test func equalWorkKeepsTheFirstSeen() throws {
        let fork = t.chain.tip
        let first = branch(on: fork, count: 3, tag: "first")
        let second = branch(on: fork, count: 3, tag: "second")
        try submit(first)
        let change = try submit(second)
        #expect(change.isEmpty)
        #expect(t.chain.tip.hash == first.last!.hash)
        try t.reopen()
        #expect(t.chain.tip.hash == first.last!.hash)
        // One more block on the second branch gives it more work.
        try submit(branch(on: t.chain.index[second.last!.hash]!, count: 1, tag: "second+"))
        #expect(t.chain.index.isActive(t.chain.index[second.last!.hash]!))
    }

    @Test func equalWorkFirstSeenHoldsEvenWhenTheSecondArrivesInOneGo() throws {
        let fork = t.chain.tip
        let a = branch(on: fork, count: 1, tag: "a")
        let b = branch(on: fork, count: 1, tag: "b")
        try submit(b)
        try submit(a)
        #expect(t.chain.tip.hash == b[0].hash)
    }

    @Test func anOrphanConnectsOnceItsParentArrives() throws {
        let blocks = branch(on: t.chain.tip, count: 3, tag: "o")
        let tipBefore = t.chain.tip.hash
        let third = try t.chain.acceptBlock(blocks[2])
        #expect(third.outcome == .orphan(missing: blocks[1].hash))
        let second = try t.chain.acceptBlock(blocks[1])
        #expect(second.outcome == .orphan(missing: blocks[0].hash))
        #expect(t.chain.tip.hash == tipBefore)
        let first = try t.chain.acceptBlock(blocks[0])
        #expect(first.outcome == .accepted)
        #expect(first.tipChange.connected.map(\.hash) == blocks.map(\.hash))
        #expect(t.chain.tip.hash == blocks[2].hash)
        #expect(try t.isConsistent())
    }

    @Test func aHeavierBranchWithAnInvalidBlockIsAbandonedForTheBestValidChain() throws {
        let fork = t.chain.tip
        let branchA = branch(on: fork, count: 3, first: [try payment(from: 1)], tag: "A")
        try submit(branchA)
        // B's second block spends a coin that does not exist: only connecting it can tell.
        var branchB = branch(on: fork, count: 1, tag: "B")
        let bogus = t.spend(
            [(OutPoint(txid: SHA256.hash([9]), index: 0), alice)],
            to: [TxOutput(amount: 5_000, address: TestChain.address(bob))])
        branchB += branch(after: branchB[0], height: fork.height + 1, count: 4, first: [bogus], tag: "B")
        // B's fourth block gives it more work than A: the switch is tried and fails.
        let change = try submit(Array(branchB.prefix(4)))
        #expect(t.chain.tip.hash == branchA.last!.hash)
        #expect(t.chain.index[branchB[1].hash].map(t.chain.index.status(of:)) == .invalid)
        #expect(t.chain.index[branchB[3].hash].map(t.chain.index.status(of:)) == .invalidAncestor)
        #expect(throws: RuleViolation.self) { try t.chain.acceptBlock(branchB[4]) }
        // A was taken off for B's first block, B's second failed, and A came back.
        #expect(change.disconnected.map(\.hash).prefix(3) == branchA.reversed().map(\.hash)[...])
        #expect(change.connected.map(\.hash).suffix(3) == branchA.map(\.hash)[...])
        #expect(try t.isConsistent())
        #expect(try t.chain.coin(TestChain.outpoint(branchA[0].transactions[1])) != nil)
    }

    @Test func reopeningContinuesFromTheTip() throws {
        let tip = t.chain.tip.hash
        try t.reopen()
        #expect(t.chain.tip.hash == tip)
        #expect(t.chain.height == 110)
        try t.mine(1)
        #expect(t.chain.height == 111)
    }
}
