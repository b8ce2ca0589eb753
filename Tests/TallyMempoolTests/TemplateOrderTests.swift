import TallyChain
import TallyCrypto
import TallyMempool
import TallyTestSupport
import TallyWire
import Testing

/// Templates from the heap-ordered mempool against a brute-force selection, on random mempools:
/// parents before children, fee-rate order, the size limit.
@Suite struct TemplateOrderTests {
    /// The selection by definition: repeatedly the best ready entry (highest fee rate, then
    /// earliest), by a full scan each time.
    static func bruteForce(_ pool: Mempool, maximumBytes: Int) -> [Hash256] {
        var selected: [Hash256] = []
        var included = Set<Hash256>()
        var skipped = Set<Hash256>()
        var bytes = 0
        while true {
            let ready = pool.entries.values.filter {
                !included.contains($0.tx.txid) && !skipped.contains($0.tx.txid) && $0.parents.isSubset(of: included)
            }
            guard let best = ready.max(by: { ($0.feeRate, $1.sequence) < ($1.feeRate, $0.sequence) }) else { break }
            if bytes + best.tx.size > maximumBytes {
                skipped.insert(best.tx.txid)
                continue
            }
            selected.append(best.tx.txid)
            included.insert(best.tx.txid)
            bytes += best.tx.size
        }
        return selected
    }

    @Test func theHeapSelectsWhatTheBruteForceSelects() throws {
        let t = try TestChain()
        let owner = TestChain.key(1)
        try t.mine(140, payTo: TestChain.address(owner))
        var random = SystemRandomNumberGenerator()
        for round in 0..<4 {
            let pool = Mempool()
            // Unconfirmed outputs anyone may spend next, with their amounts.
            var spendable: [(OutPoint, UInt64)] = []
            for height in UInt32(1 + round * 10)...UInt32(10 + round * 10) {
                let coinbase = try t.coinbase(at: height)
                spendable.append((TestChain.outpoint(coinbase), coinbase.outputs[0].amount))
            }
            for _ in 0..<120 {
                guard !spendable.isEmpty else { break }
                let (outpoint, amount) = spendable.remove(at: Int.random(in: 0..<spendable.count, using: &random))
                // Deep chains halve amounts; one too small for the largest fee and three outputs is left.
                guard amount >= 3 * (200_000 + 1_000) else { continue }
                let outputs = Int.random(in: 1...3, using: &random)
                let fee = UInt64.random(in: 2_000...200_000, using: &random)
                let each = (amount - fee) / UInt64(outputs)
                let tx = t.spend(
                    [(outpoint, owner)],
                    to: (0..<outputs).map { _ in TxOutput(amount: each, address: TestChain.address(owner)) })
                try pool.accept(tx, chain: t.chain, now: t.now)
                spendable += (0..<outputs).map { (TestChain.outpoint(tx, UInt32($0)), each) }
            }
            #expect(pool.count > 50)
            for limit in [200, 2_000, 10_000, Int.max] {
                let template = pool.blockTransactions(maximumBytes: limit)
                #expect(template.map(\.txid) == Self.bruteForce(pool, maximumBytes: limit), "limit \(limit)")
                // Parents first.
                var seen = Set<Hash256>()
                for tx in template {
                    #expect(pool.entries[tx.txid]!.parents.isSubset(of: seen))
                    seen.insert(tx.txid)
                }
                #expect(template.reduce(0) { $0 + $1.size } <= limit)
            }
        }
    }

    @Test func aReorganisationReadmitsWhatItShould() throws {
        let t = try TestChain()
        let owner = TestChain.key(1)
        try t.mine(105, payTo: TestChain.address(owner))
        let pool = Mempool()
        let fork = t.chain.tip
        func pay(_ height: UInt32, fee: UInt64 = 10_000) throws -> Transaction {
            let coinbase = try t.coinbase(at: height)
            return t.spend(
                [(TestChain.outpoint(coinbase), owner)],
                to: [TxOutput(amount: coinbase.outputs[0].amount - fee, address: TestChain.address(TestChain.key(2)))])
        }
        // a is confirmed on the first branch, b waits in the mempool.
        let a = try pay(1)
        let b = try pay(2)
        try pool.accept(b, chain: t.chain, now: t.now)
        let first = t.block([a], fees: 10_000, tag: "first")
        let connected = try t.chain.acceptBlock(first)
        pool.update(for: connected.tipChange, chain: t.chain, now: t.now)
        #expect(pool.contains(b.txid) && !pool.contains(a.txid))
        // A heavier branch that confirms a conflicting spend of a's coin, and b itself.
        let conflicting = try pay(1, fee: 20_000)
        let second = t.block(on: fork, [conflicting, b], fees: 30_000, tag: "second")
        _ = try t.chain.acceptBlock(second)
        let heavier = t.block(on: t.chain.index[second.hash]!, [], tag: "heavier")
        let change = try t.chain.acceptBlock(heavier).tipChange
        #expect(change.disconnected.map(\.hash) == [first.hash])
        let returned = pool.update(for: change, chain: t.chain, now: t.now)
        // a conflicts with the new chain: not re-admitted; b is confirmed: gone.
        #expect(returned.isEmpty)
        #expect(!pool.contains(a.txid) && !pool.contains(b.txid))
        // A reorganisation back re-admits what the losing branch confirmed, if still valid.
        let c = try pay(3)
        let onFirst = t.block(on: t.chain.index[first.hash]!, [c], fees: 10_000, tag: "back")
        _ = try t.chain.acceptBlock(onFirst)
        let back = t.block(on: t.chain.index[onFirst.hash]!, [], tag: "back2")
        let change2 = try t.chain.acceptBlock(back).tipChange
        #expect(change2.disconnected.count == 2)
        let returned2 = pool.update(for: change2, chain: t.chain, now: t.now)
        // b and the conflicting spend leave the chain: b comes back (a is confirmed again).
        #expect(returned2.map(\.txid) == [b.txid])
        #expect(pool.contains(b.txid) && !pool.contains(conflicting.txid))
    }
}
