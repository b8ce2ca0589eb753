import TallyChain
import TallyCrypto
import TallyTestSupport
import TallyWire
import Testing

@Suite struct SignatureCacheTests {
    /// `tx` with one bit of its signature flipped: the same txid, another wtxid, an invalid signature.
    static func forge(_ tx: Transaction) -> Transaction {
        var input = tx.inputs[0]
        input.signature[0] ^= 1
        return Transaction(version: tx.version, inputs: [input] + tx.inputs.dropFirst(), outputs: tx.outputs)
    }

    /// A signed payment spending the coinbase of block 1 of a fresh chain.
    static func payment(_ t: TestChain, amount: UInt64 = 1_000) throws -> Transaction {
        let coinbase = try t.coinbase(at: 1)
        return t.spend(
            [(TestChain.outpoint(coinbase), t.miner)],
            to: [TxOutput(amount: amount, address: TestChain.address(TestChain.key(5)))])
    }

    @Test func isBoundedAndForgetsTheOldestFirst() throws {
        let t = try TestChain()
        try t.mine(1)
        let cache = SignatureCache(capacity: 10)
        let payments = try (0..<25).map { try Self.payment(t, amount: 1_000 + UInt64($0)) }
        for tx in payments { cache.insert(tx) }
        #expect(cache.count == 10)
        #expect(payments.suffix(10).allSatisfy(cache.contains))
        #expect(!payments.prefix(15).contains(where: cache.contains))
        cache.insert(payments[24])
        #expect(cache.count == 10)
    }

    @Test func theSameTxidWithAnotherSignatureIsVerifiedAfresh() throws {
        let t = try TestChain()
        try t.mine(1)
        let honest = try Self.payment(t)
        #expect(t.chain.verifySignatures(of: honest) == nil)
        #expect(t.chain.signatureCache.contains(honest))
        let forged = Self.forge(honest)
        #expect(forged.txid == honest.txid && forged.wtxid != honest.wtxid)
        #expect(!t.chain.signatureCache.contains(forged))
        #expect(t.chain.verifySignatures(of: forged)?.rule == .signature)
        #expect(!t.chain.signatureCache.contains(forged))
    }

    @Test func aBlockOfCachedTransactionsConnectsAndAForgedOneStillFails() throws {
        let t = try TestChain()
        try t.mine(101)
        let honest = try Self.payment(t)
        #expect(t.chain.verifySignatures(of: honest) == nil)
        let forged = Self.forge(honest)
        // The forged copy has the honest one's txid but is not in the cache: its block fails R22.
        let bad = t.block([forged], fees: 50 * ChainParameters.coin - 1_000)
        let badResult = try t.chain.acceptBlock(bad)
        #expect(badResult.invalid[bad.hash]?.rule == .signature)
        let good = t.block([honest], fees: 50 * ChainParameters.coin - 1_000)
        let result = try t.chain.acceptBlock(good)
        #expect(result.invalid.isEmpty && t.chain.tip.hash == good.hash)
        #expect(try t.isConsistent())
    }
}
