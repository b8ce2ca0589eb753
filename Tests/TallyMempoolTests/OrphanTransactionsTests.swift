import TallyCrypto
import TallyMempool
import TallyTestSupport
import TallyWire
import Testing

/// The orphan pool without a chain: held by wtxid, bounded per announcer and in all (Protocol.md §11).
@Suite struct OrphanTransactionsTests {
    let policy = MempoolPolicy()
    let key = TestChain.key(7)

    /// An orphan spending output `index` of `parent`, its signature field set to `signature`
    /// (the pool checks no signature: that waits for the parent's coins).
    func orphan(of parent: Hash256, index: UInt32 = 0, signature: UInt8 = 1) -> Transaction {
        Transaction(
            inputs: [
                TxInput(
                    outpoint: OutPoint(txid: parent, index: index), publicKey: key.publicKey,
                    signature: [UInt8](repeating: signature, count: 64))
            ],
            outputs: [TxOutput(amount: 5_000, address: TestChain.address(key))])
    }

    func parent(_ n: Int) -> Hash256 { Hash256(w0: UInt64(n), w1: 1, w2: 2, w3: 3) }

    @Test func copiesWithTheSameTxidButAnotherSignatureAreHeldSideBySide() {
        var pool = OrphanTransactions()
        let honest = orphan(of: parent(1), signature: 0xAA)
        let forged = orphan(of: parent(1), signature: 0xBB)
        #expect(honest.txid == forged.txid && honest.wtxid != forged.wtxid)

        // The forged copy comes first, from another peer: the honest one still gets its own place.
        pool.add(forged, from: 1, now: 0, policy: policy)
        pool.add(honest, from: 2, now: 0, policy: policy)
        #expect(pool.count == 2)
        #expect(pool.contains(wtxid: honest.wtxid) && pool.contains(wtxid: forged.wtxid))
        // A second copy of the very same bytes takes no second place.
        pool.add(honest, from: 3, now: 0, policy: policy)
        #expect(pool.count == 2 && pool.count(from: 3) == 0)

        // The parent's arrival hands both over, oldest first; the mempool then keeps the one that verifies.
        #expect(pool.takeChildren(of: parent(1)).map(\.wtxid) == [forged.wtxid, honest.wtxid])
        #expect(pool.count == 0 && pool.count(from: 1) == 0 && pool.count(from: 2) == 0)
        #expect(pool.takeChildren(of: parent(1)).isEmpty)
    }

    @Test func aPeerAtItsBoundLosesItsOwnOldestOrphan() {
        var pool = OrphanTransactions()
        let others = (0..<3).map { orphan(of: parent(1_000 + $0)) }
        for tx in others { pool.add(tx, from: 2, now: 0, policy: policy) }
        let flood = (0..<(policy.maximumOrphansPerPeer + 10)).map { orphan(of: parent($0)) }
        for tx in flood { pool.add(tx, from: 1, now: 0, policy: policy) }

        #expect(pool.count(from: 1) == policy.maximumOrphansPerPeer)
        #expect(flood.prefix(10).allSatisfy { !pool.contains(wtxid: $0.wtxid) })
        #expect(flood.suffix(policy.maximumOrphansPerPeer).allSatisfy { pool.contains(wtxid: $0.wtxid) })
        #expect(others.allSatisfy { pool.contains(wtxid: $0.wtxid) }, "another peer's orphans were displaced")
        #expect(pool.count == policy.maximumOrphansPerPeer + others.count)
        // The node's own API counts as one announcer of its own.
        pool.add(orphan(of: parent(5_000)), from: nil, now: 0, policy: policy)
        #expect(pool.count(from: nil) == 1)
    }

    @Test func aFullPoolStaysBoundedAndTheLargestAnnouncerGivesWay() {
        var pool = OrphanTransactions()
        let honest = orphan(of: parent(9_999))
        pool.add(honest, from: 99, now: 0, policy: policy)
        // Eight peers, each sending many more orphans than its share, interleaved.
        var n = 0
        for round in 0..<100 {
            for peer in 1...8 {
                pool.add(orphan(of: parent(n)), from: peer, now: UInt32(round), policy: policy)
                n += 1
                #expect(pool.count <= policy.maximumOrphans)
            }
        }
        #expect(pool.count == policy.maximumOrphans)
        #expect(pool.contains(wtxid: honest.wtxid), "the peer holding one orphan was displaced by the flood")
        #expect((1...8).allSatisfy { pool.count(from: $0) <= policy.maximumOrphansPerPeer })
        #expect((1...8).map { pool.count(from: $0) }.reduce(0, +) + 1 == policy.maximumOrphans)
    }

    @Test func orphansLeaveAfterTheirLifetime() {
        var pool = OrphanTransactions()
        let old = orphan(of: parent(1))
        pool.add(old, from: 1, now: 1_000, policy: policy)
        pool.add(orphan(of: parent(2)), from: 2, now: 1_000 + policy.orphanLifetime, policy: policy)
        #expect(pool.contains(wtxid: old.wtxid))
        pool.add(orphan(of: parent(3)), from: 2, now: 1_001 + policy.orphanLifetime, policy: policy)
        #expect(!pool.contains(wtxid: old.wtxid) && pool.count == 2 && pool.count(from: 1) == 0)
    }
}
