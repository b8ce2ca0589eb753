import TallyChain
import TallyCrypto
import TallyMempool
import TallyMining
import TallyTestSupport
import TallyWire
import Testing

@Suite struct MempoolTests {
    let t: TestChain
    let alice = TestChain.key(1)
    let bob = TestChain.key(2)

    init() throws {
        t = try TestChain()
        try t.mine(110, payTo: TestChain.address(alice))
    }

    func pay(
        _ source: OutPoint, amount: UInt64, key: Ed25519.PrivateKey, to: Ed25519.PrivateKey, fee: UInt64
    ) -> Transaction {
        t.spend([(source, key)], to: [TxOutput(amount: amount - fee, address: TestChain.address(to))])
    }

    func payment(from height: UInt32, fee: UInt64 = 10_000) throws -> Transaction {
        let source = try t.coinbase(at: height)
        return pay(TestChain.outpoint(source), amount: source.outputs[0].amount, key: alice, to: bob, fee: fee)
    }

    /// The wtxid table that compact blocks are filled from names exactly the pool's entries.
    func wtxidsAgree(_ pool: Mempool) -> Bool {
        pool.txidsByWtxid == Dictionary(uniqueKeysWithValues: pool.entries.values.map { ($0.tx.wtxid, $0.tx.txid) })
    }

    @Test func acceptsAValidTransactionOnce() throws {
        let pool = Mempool()
        let tx = try payment(from: 1)
        #expect(try pool.accept(tx, chain: t.chain, now: t.now).map(\.txid) == [tx.txid])
        #expect(pool.contains(tx.txid))
        #expect(pool.totalBytes == tx.size)
        #expect(throws: MempoolError.alreadyKnown) { try pool.accept(tx, chain: t.chain, now: t.now) }
    }

    @Test func firstSeenWinsAConflict() throws {
        let pool = Mempool()
        let first = try payment(from: 1, fee: 10_000)
        let second = try payment(from: 1, fee: 50_000)
        try pool.accept(first, chain: t.chain, now: t.now)
        #expect(throws: MempoolError.conflict(with: first.txid)) { try pool.accept(second, chain: t.chain, now: t.now) }
        #expect(pool.count == 1)
        #expect(pool.txidsByWtxid == [first.wtxid: first.txid])
    }

    @Test func rejectsAFeeBelowTheMinimumRate() throws {
        let pool = Mempool()
        let tx = try payment(from: 1, fee: 100)
        #expect(throws: MempoolError.self) { try pool.accept(tx, chain: t.chain, now: t.now) }
        #expect(pool.count == 0)
        // A peer is told why, with the code Bitcoin Core used (Protocol.md §11.1).
        do {
            try pool.accept(tx, chain: t.chain, now: t.now)
        } catch {
            guard case .insufficientFee(let why) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(why.contains("below the minimum"))
            #expect(error.rejectCode == .insufficientFee)
        }
        #expect(MempoolError.conflict(with: tx.txid).rejectCode == .duplicate)
        #expect(MempoolError.policy("dust").rejectCode == .nonstandard)
    }

    @Test func rejectsDustCoinbasesAndImmatureSpends() throws {
        let pool = Mempool()
        let source = try t.coinbase(at: 1)
        let dust = t.spend(
            [(TestChain.outpoint(source), alice)],
            to: [
                TxOutput(amount: 999, address: TestChain.address(bob)),
                TxOutput(amount: source.outputs[0].amount - 20_000, address: TestChain.address(alice)),
            ])
        #expect(throws: MempoolError.self) { try pool.accept(dust, chain: t.chain, now: t.now) }
        let coinbase = Transaction.coinbase(
            CoinbaseData(height: 111), outputs: [TxOutput(amount: 5_000, address: TestChain.address(bob))])
        #expect(throws: MempoolError.policy("a coinbase is valid only in a block")) {
            try pool.accept(coinbase, chain: t.chain, now: t.now)
        }
        let immature = try payment(from: 50)
        #expect(throws: MempoolError.self) { try pool.accept(immature, chain: t.chain, now: t.now) }
        #expect(pool.count == 0)
    }

    @Test func rejectsABadSignatureCitingTheRule() throws {
        let pool = Mempool()
        let good = try payment(from: 1)
        var input = good.inputs[0]
        input.signature[0] ^= 1
        let bad = Transaction(inputs: [input], outputs: good.outputs)
        do {
            try pool.accept(bad, chain: t.chain, now: t.now)
            Issue.record("accepted a bad signature")
        } catch {
            #expect(error == .rule(RuleViolation(.signature, "\(bad.txid) input 0: signature does not verify")))
        }
    }

    @Test func anOrphanJoinsWhenItsParentArrives() throws {
        let pool = Mempool()
        let parent = try payment(from: 1)
        let child = pay(TestChain.outpoint(parent), amount: parent.outputs[0].amount, key: bob, to: alice, fee: 10_000)
        #expect(throws: MempoolError.missingInputs([parent.txid])) {
            try pool.accept(child, chain: t.chain, now: t.now)
        }
        #expect(pool.orphanCount == 1)
        let added = try pool.accept(parent, chain: t.chain, now: t.now)
        #expect(added.map(\.txid) == [parent.txid, child.txid])
        #expect(pool.orphanCount == 0)
    }

    /// A copy of an orphan with a broken signature has its txid; sent first, it must not keep the
    /// honest one out of the orphan pool (held by wtxid), and only the honest one enters with the parent.
    @Test func aForgedCopyOfAnOrphanDoesNotKeepTheHonestOneOut() throws {
        let pool = Mempool()
        let parent = try payment(from: 1)
        let child = pay(TestChain.outpoint(parent), amount: parent.outputs[0].amount, key: bob, to: alice, fee: 10_000)
        var input = child.inputs[0]
        input.signature[0] ^= 1
        let forged = Transaction(inputs: [input], outputs: child.outputs)
        #expect(forged.txid == child.txid && forged.wtxid != child.wtxid)

        #expect(throws: MempoolError.missingInputs([parent.txid])) {
            try pool.accept(forged, chain: t.chain, now: t.now, from: 1)
        }
        #expect(throws: MempoolError.missingInputs([parent.txid])) {
            try pool.accept(child, chain: t.chain, now: t.now, from: 2)
        }
        #expect(pool.orphanCount == 2)
        let added = try pool.accept(parent, chain: t.chain, now: t.now, from: 3)
        #expect(added.map(\.wtxid) == [parent.wtxid, child.wtxid])
        #expect(pool.transaction(child.txid)?.wtxid == child.wtxid)
        #expect(pool.orphanCount == 0)
    }

    /// `others` unrelated payments wait beside: with none the block confirms most of the pool (the
    /// tables are rebuilt from what stays), with more the entries leave one by one.
    @Test(arguments: [0, 6])
    func aBlockRemovesConfirmedAndConflictingTransactions(others: Int) throws {
        let pool = Mempool()
        let kept = try payment(from: 2)
        let confirmed = try payment(from: 3)
        let loser = try payment(from: 4, fee: 10_000)
        let winner = try payment(from: 4, fee: 20_000)
        let child = pay(
            TestChain.outpoint(confirmed), amount: confirmed.outputs[0].amount, key: bob, to: alice, fee: 10_000)
        let unrelated = try (0..<others).map { try payment(from: 5 + UInt32($0)) }
        for tx in [kept, confirmed, loser, child] + unrelated { try pool.accept(tx, chain: t.chain, now: t.now) }
        #expect(pool.txidsByWtxid.count == 4 + others && wtxidsAgree(pool))
        #expect(pool.entries[child.txid]?.parents == [confirmed.txid])
        let block = t.block([confirmed, winner], fees: 30_000)
        let result = try t.chain.acceptBlock(block)
        pool.update(for: result.tipChange, chain: t.chain, now: t.now)
        #expect(pool.contains(kept.txid) && pool.contains(child.txid))
        #expect(!pool.contains(confirmed.txid))
        #expect(!pool.contains(loser.txid))
        #expect(pool.count == 2 + others)
        #expect(wtxidsAgree(pool) && pool.txidsByWtxid[kept.wtxid] == kept.txid)
        // The child's parent is in the chain now: it has none in the pool, and spends what it did.
        #expect(pool.entries[child.txid]?.parents.isEmpty == true)
        #expect(pool.spender(of: TestChain.outpoint(confirmed)) == child.txid)
        #expect(pool.spender(of: confirmed.inputs[0].outpoint) == nil)
        #expect(pool.spender(of: loser.inputs[0].outpoint) == nil)
        #expect(pool.totalBytes == pool.entries.values.reduce(0) { $0 + $1.tx.size })
        #expect(pool.blockTransactions(maximumBytes: 1_000_000).count == pool.count)
    }

    @Test func templatesPutParentsFirstThenHigherFeeRates() throws {
        let pool = Mempool()
        let lowParent = try payment(from: 1, fee: 1_000)
        let richChild = pay(
            TestChain.outpoint(lowParent), amount: lowParent.outputs[0].amount, key: bob, to: alice, fee: 500_000)
        let middle = try payment(from: 2, fee: 50_000)
        let high = try payment(from: 3, fee: 100_000)
        for tx in [lowParent, richChild, middle, high] { try pool.accept(tx, chain: t.chain, now: t.now) }
        let order = pool.blockTransactions(maximumBytes: 1_000_000).map(\.txid)
        #expect(order == [high.txid, middle.txid, lowParent.txid, richChild.txid])
        // The template is a valid block.
        let block = BlockAssembler.template(chain: t.chain, mempool: pool, payTo: TestChain.address(alice), now: t.now)
        let result = try t.chain.acceptBlock(ProofOfWork.solve(block))
        #expect(result.invalid.isEmpty)
        #expect(t.chain.height == 111)
    }

    @Test func aFullPoolEvictsTheLowestFeeRate() throws {
        var policy = MempoolPolicy()
        let sample = try payment(from: 1)
        policy.maximumBytes = sample.size * 2
        let pool = Mempool(policy: policy)
        let cheap = try payment(from: 1, fee: 1_000)
        let better = try payment(from: 2, fee: 5_000)
        let best = try payment(from: 3, fee: 9_000)
        try pool.accept(cheap, chain: t.chain, now: t.now)
        try pool.accept(better, chain: t.chain, now: t.now)
        try pool.accept(best, chain: t.chain, now: t.now)
        #expect(!pool.contains(cheap.txid))
        #expect(pool.contains(better.txid) && pool.contains(best.txid))
        let poorer = try payment(from: 4, fee: 500)
        #expect(throws: MempoolError.self) { try pool.accept(poorer, chain: t.chain, now: t.now) }
        #expect(pool.totalBytes <= policy.maximumBytes)
        #expect(pool.txidsByWtxid.count == 2 && wtxidsAgree(pool))
    }

    @Test func evictingAParentTakesItsChildren() throws {
        let pool = Mempool()
        let parent = try payment(from: 1)
        let child = pay(TestChain.outpoint(parent), amount: parent.outputs[0].amount, key: bob, to: alice, fee: 10_000)
        try pool.accept(parent, chain: t.chain, now: t.now)
        try pool.accept(child, chain: t.chain, now: t.now)
        #expect(pool.removeWithDescendants(parent.txid).count == 2)
        #expect(pool.count == 0 && pool.totalBytes == 0 && pool.txidsByWtxid.isEmpty)
        #expect(pool.spender(of: parent.inputs[0].outpoint) == nil)
    }
}
