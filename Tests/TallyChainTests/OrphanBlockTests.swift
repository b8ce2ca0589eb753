import TallyChain
import TallyCrypto
import TallyTestSupport
import TallyWire
import Testing

/// A block whose parent is unknown waits in the orphan pool only if its own header proves its work
/// (R1 needs no parent): forged orphans cannot push real ones out.
@Suite struct OrphanBlockTests {
    let t: TestChain

    init() throws {
        t = try TestChain()
        try t.mine(2)
    }

    /// A block on `parent` (not known to the chain) with `bits`, solved unless `missTarget`, in which
    /// case its hash is made to miss the target.
    func orphan(on parent: Hash256, bits: UInt32 = 0x207f_ffff, missTarget: Bool = false, tag: String) -> Block {
        let coinbase = Transaction.coinbase(
            CoinbaseData(height: 10, tag: Array(tag.utf8)),
            outputs: [TxOutput(amount: 1_000, address: TestChain.address(TestChain.key(3)))])
        let block = Block(
            header: BlockHeader(
                version: 1, previousBlockHash: parent, merkleRoot: coinbase.wtxid, time: t.chain.tip.header.time + 1,
                bits: bits, nonce: 0),
            transactions: [coinbase])
        guard missTarget else { return TestChain.solved(block) }
        var missing = block
        let target = Target.decode(bits: bits)!
        while !(target < UInt256(missing.header.hash)) { missing.header.nonce += 1 }
        return missing
    }

    @Test func anOrphanMissingItsOwnTargetIsRefusedAndNotHeld() throws {
        let unknownParent = SHA256.hash(Array("nobody has this block".utf8))
        let forged = orphan(on: unknownParent, missTarget: true, tag: "forged")
        let violation = #expect(throws: RuleViolation.self) { try t.chain.acceptBlock(forged) }
        #expect(violation?.rule == .proofOfWork)
        #expect(violation?.rule.condemnsBlock == true, "the sender is to be penalised")
        #expect(t.chain.orphanCount == 0)

        // A target easier than the network's limit, even if met, proves nothing either.
        let easy = orphan(on: unknownParent, bits: 0x2100_ffff, tag: "easy")
        #expect(Target.decode(bits: 0x2100_ffff)! > Target.decode(bits: ChainParameters.regtest.powLimitBits)!)
        #expect(throws: RuleViolation(.proofOfWork, "bits 2100ffff is not a valid target")) {
            try t.chain.acceptBlock(easy)
        }
        #expect(t.chain.orphanCount == 0)

        // An orphan with real proof of work still waits for its parent.
        let honest = orphan(on: unknownParent, tag: "honest")
        #expect(try t.chain.acceptBlock(honest).outcome == .orphan(missing: unknownParent))
        #expect(t.chain.orphanCount == 1)
    }

    @Test func forgedChildrenAreNotWaitingWhenTheirParentArrives() throws {
        let parent = t.block(tag: "parent")
        let forged = orphan(on: parent.hash, missTarget: true, tag: "forged child")
        #expect(throws: RuleViolation.self) { try t.chain.acceptBlock(forged) }
        let result = try t.chain.acceptBlock(parent)
        #expect(result.outcome == .accepted && result.invalid.isEmpty)
        #expect(t.chain.tip.hash == parent.hash)
        #expect(t.chain.orphanCount == 0)
    }
}
