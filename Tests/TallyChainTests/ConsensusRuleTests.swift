import TallyChain
import TallyCrypto
import TallyTestSupport
import TallyWire
import Testing

/// Each test builds a block (or transaction) that breaks exactly one rule of Protocol.md §5 and
/// checks that the chain rejects it citing that rule, and that the tip does not move.
@Suite struct ConsensusRuleTests {
    let t: TestChain
    let alice = TestChain.key(1)
    let bob = TestChain.key(2)
    let coin = ChainParameters.coin

    /// A chain of 110 blocks whose coinbases pay alice: those of heights 1…10 are mature.
    init() throws {
        t = try TestChain()
        try t.mine(110, payTo: TestChain.address(alice))
    }

    /// A valid payment of `amount` to bob from the coinbase at `height`, change back to alice.
    func payment(
        from height: UInt32 = 1, amount: UInt64 = 10 * ChainParameters.coin, fee: UInt64 = 10_000
    ) throws -> Transaction {
        let source = try t.coinbase(at: height)
        return t.spend(
            [(TestChain.outpoint(source), alice)],
            to: [
                TxOutput(amount: amount, address: TestChain.address(bob)),
                TxOutput(amount: source.outputs[0].amount - amount - fee, address: TestChain.address(alice)),
            ])
    }

    func expectRejected(_ block: Block, _ rule: ConsensusRule, sourceLocation: SourceLocation = #_sourceLocation) {
        let tipBefore = t.chain.tip.hash
        do {
            let result = try t.chain.acceptBlock(block)
            #expect(
                result.invalid[block.hash]?.rule == rule, "expected \(rule), got \(result)",
                sourceLocation: sourceLocation)
        } catch let violation as RuleViolation {
            #expect(violation.rule == rule, "expected \(rule), got \(violation)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("expected \(rule), got \(error)", sourceLocation: sourceLocation)
        }
        #expect(t.chain.tip.hash == tipBefore, sourceLocation: sourceLocation)
    }

    func expectAccepted(_ block: Block, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let result = try t.chain.acceptBlock(block)
        #expect(result.invalid.isEmpty, "\(result.invalid)", sourceLocation: sourceLocation)
        #expect(t.chain.tip.hash == block.hash, sourceLocation: sourceLocation)
    }

    // MARK: Positive controls

    @Test func aValidPaymentWithFeesIsAccepted() throws {
        let tx = try payment()
        try expectAccepted(t.block([tx], fees: 10_000))
        #expect(try t.chain.coin(TestChain.outpoint(tx, 0))?.output.amount == 10 * coin)
        #expect(try t.isConsistent())
    }

    @Test func spendingAnOutputOfAnEarlierTransactionInTheSameBlockIsValid() throws {
        let first = try payment()
        let second = t.spend(
            [(TestChain.outpoint(first, 0), bob)],
            to: [TxOutput(amount: 10 * coin - 5_000, address: TestChain.address(alice))])
        try expectAccepted(t.block([first, second], fees: 15_000))
        #expect(try t.chain.coin(TestChain.outpoint(first, 0)) == nil)
        #expect(try t.isConsistent())
    }

    @Test func aCoinbaseIsSpendableAtExactlyOneHundredBlocks() throws {
        // The tip is 110; the next block is 111, so the coinbase of height 11 is exactly 100 deep.
        let source = try t.coinbase(at: 11)
        let tx = t.spend(
            [(TestChain.outpoint(source), alice)],
            to: [TxOutput(amount: source.outputs[0].amount - 1_000, address: TestChain.address(bob))])
        try expectAccepted(t.block([tx], fees: 1_000))
    }

    // MARK: Header rules

    @Test func r1HashAboveTargetIsRejected() throws {
        var block = t.block()
        let target = Target.decode(bits: block.header.bits)!
        while !(target < UInt256(block.header.hash)) { block.header.nonce += 1 }
        expectRejected(block, .proofOfWork)
    }

    @Test func r1BitsEasierThanTheLimitAreRejected() throws {
        expectRejected(t.block { $0.header.bits = 0x2100_ffff }, .proofOfWork)
    }

    @Test func r1NegativeBitsAreRejected() throws {
        expectRejected(t.block { $0.header.bits = 0x2080_0001 }, .proofOfWork)
    }

    @Test func r2BitsOtherThanRequiredAreRejected() throws {
        expectRejected(t.block { $0.header.bits = 0x207f_fffe }, .targetBits)
    }

    @Test func r3TimeEqualToMedianTimePastIsRejected() throws {
        let mtp = t.chain.tip.medianTimePast()
        expectRejected(t.block { $0.header.time = mtp }, .timeTooOld)
    }

    @Test func r3TimeBelowMedianTimePastIsRejected() throws {
        let mtp = t.chain.tip.medianTimePast()
        expectRejected(t.block { $0.header.time = mtp - 100 }, .timeTooOld)
    }

    @Test func r4TimeTooFarAheadIsRejectedButNotCondemned() throws {
        let block = t.block { $0.header.time = t.now + 121 }
        expectRejected(block, .timeTooNew)
        t.now += 10
        try expectAccepted(block)
    }

    @Test func r4TimeExactlyTwoMinutesAheadIsAccepted() throws {
        try expectAccepted(t.block { $0.header.time = t.now + 120 })
    }

    @Test func r5VersionZeroIsRejected() throws {
        expectRejected(t.block { $0.header.version = 0 }, .headerVersion)
    }

    @Test func r6ChildOfAnInvalidBlockIsRejected() throws {
        let bad = t.block(tag: "bad") {
            $0.transactions[0] = Transaction.coinbase(
                CoinbaseData(height: 111),
                outputs: [TxOutput(amount: 51 * ChainParameters.coin, address: TestChain.address(alice))])
        }
        expectRejected(bad, .coinbaseAmount)
        let parent = try #require(t.chain.index[bad.hash])
        #expect(t.chain.index.status(of: parent) == .invalid)
        expectRejected(TestChain.solved(child(of: bad)), .invalidAncestor)
        #expect(throws: ChainError.knownInvalid(bad.hash)) { try t.chain.acceptBlock(bad) }
    }

    /// A block on top of `parent` that was never accepted into the index.
    func child(of parent: Block) -> Block {
        let coinbase = Transaction.coinbase(
            CoinbaseData(height: 112), outputs: [TxOutput(amount: 1, address: TestChain.address(alice))])
        return Block(
            header: BlockHeader(
                version: 1, previousBlockHash: parent.hash, merkleRoot: coinbase.wtxid,
                time: parent.header.time + 1, bits: parent.header.bits, nonce: 0), transactions: [coinbase])
    }

    // MARK: Block rules

    @Test func r7MismatchedMerkleRootIsRejectedWithoutCondemningTheHeader() throws {
        let good = t.block([try payment()], fees: 10_000)
        var damaged = good
        damaged.transactions.removeLast()
        expectRejected(damaged, .merkleRoot)
        #expect(t.chain.index[good.hash].map(t.chain.index.status(of:))?.isInvalid != true)
        try expectAccepted(good)
    }

    @Test func r8OversizeBlockIsRejected() throws {
        let manyOutputs = (0..<38_000).map { _ in TxOutput(amount: 0, address: TestChain.address(alice)) }
        expectRejected(
            t.block { $0.transactions[0] = Transaction.coinbase(CoinbaseData(height: 111), outputs: manyOutputs) },
            .blockSize)
    }

    @Test func r9BlockWithoutTransactionsIsRejected() throws {
        expectRejected(t.block { $0.transactions = [] }, .coinbaseFirst)
    }

    @Test func r9FirstTransactionNotACoinbaseIsRejected() throws {
        let tx = try payment()
        expectRejected(t.block { $0.transactions = [tx] }, .coinbaseFirst)
    }

    @Test func r10SecondCoinbaseIsRejected() throws {
        let extra = Transaction.coinbase(
            CoinbaseData(height: 111, extraNonce: 9), outputs: [TxOutput(amount: 1, address: TestChain.address(bob))])
        expectRejected(t.block([extra]), .coinbaseUnique)
    }

    @Test func r11WrongCoinbaseHeightIsRejected() throws {
        expectRejected(
            t.block {
                $0.transactions[0] = Transaction.coinbase(CoinbaseData(height: 7), outputs: $0.transactions[0].outputs)
            }, .coinbaseHeight)
    }

    @Test func r12CoinbaseSignatureMustBeZero() throws {
        expectRejected(
            t.block {
                let cb = $0.transactions[0]
                $0.transactions[0] = Transaction(
                    inputs: [
                        TxInput(
                            outpoint: .null, publicKey: cb.inputs[0].publicKey,
                            signature: [1] + [UInt8](repeating: 0, count: 63))
                    ],
                    outputs: cb.outputs)
            }, .coinbaseSignature)
    }

    @Test func r13CoinbasePayingMoreThanTheSubsidyIsRejected() throws {
        expectRejected(t.block(fees: 1), .coinbaseAmount)
    }

    @Test func r13CoinbasePayingMoreThanSubsidyPlusFeesIsRejected() throws {
        expectRejected(t.block([try payment(fee: 10_000)], fees: 10_001), .coinbaseAmount)
    }

    @Test func r13CoinbaseTakingExactlySubsidyPlusFeesIsValid() throws {
        try expectAccepted(t.block([try payment(fee: 10_000)], fees: 10_000))
    }

    @Test func r14DuplicateTransactionIsRejected() throws {
        let tx = try payment()
        expectRejected(t.block([tx, tx], fees: 20_000), .duplicateTransaction)
    }

    /// A block rebuilt from the mempool is not hashed to its merkle root nor its payments checked
    /// again (`BlockChecks.Done`); everything else still is: the coinbase, duplicate transactions,
    /// and the payments of a block that did not say they were checked.
    @Test func whatTheCallerCheckedIsSkippedAndNothingElse() throws {
        let source = try t.coinbase(at: 1)
        let duplicateInput = t.spend(
            [(TestChain.outpoint(source), alice), (TestChain.outpoint(source), alice)],
            to: [TxOutput(amount: 100 * coin - 1_000, address: TestChain.address(bob))])
        func rule(_ block: Block, _ checked: BlockChecks.Done) -> ConsensusRule? {
            do {
                return try t.chain.acceptBlock(block, checked: checked).invalid[block.hash]?.rule
            } catch {
                return (error as? RuleViolation)?.rule
            }
        }
        #expect(rule(t.block([duplicateInput], fees: 1_000), .merkleRoot) == .duplicateInput)
        let tx = try payment()
        #expect(rule(t.block([tx, tx], fees: 20_000), [.merkleRoot, .payments]) == .duplicateTransaction)
        // The coinbase never comes from the mempool: its transaction checks (R18 here) still apply.
        let moneyOutOfNothing = t.block([tx], fees: 10_000) {
            $0.transactions[0] = Transaction.coinbase(
                CoinbaseData(height: 111),
                outputs: [TxOutput(amount: ChainParameters.maximumMoney + 1, address: TestChain.address(alice))])
        }
        #expect(rule(moneyOutOfNothing, [.merkleRoot, .payments]) == .amountRange)
        #expect(t.chain.tip.height == 110)
        try expectAccepted(t.block([tx], fees: 10_000))
    }

    // MARK: Transaction rules

    @Test func r15TransactionWithoutOutputsIsRejected() throws {
        let source = try t.coinbase(at: 1)
        let tx = t.spend([(TestChain.outpoint(source), alice)], to: [])
        expectRejected(t.block([tx]), .transactionEmpty)
    }

    @Test func r15TransactionWithoutInputsIsRejected() throws {
        let tx = Transaction(inputs: [], outputs: [TxOutput(amount: 1, address: TestChain.address(bob))])
        expectRejected(t.block([tx]), .transactionEmpty)
    }

    @Test func r16DuplicateInputIsRejected() throws {
        let source = try t.coinbase(at: 1)
        let tx = t.spend(
            [(TestChain.outpoint(source), alice), (TestChain.outpoint(source), alice)],
            to: [TxOutput(amount: 100 * coin - 1_000, address: TestChain.address(bob))])
        expectRejected(t.block([tx], fees: 1_000), .duplicateInput)
    }

    @Test func r17NullOutpointInAnOrdinaryTransactionIsRejected() throws {
        let source = try t.coinbase(at: 1)
        let tx = t.spend(
            [(TestChain.outpoint(source), alice), (.null, alice)],
            to: [TxOutput(amount: 1_000, address: TestChain.address(bob))])
        expectRejected(t.block([tx]), .nullInput)
    }

    @Test func r18OutputAboveMaximumMoneyIsRejected() throws {
        let source = try t.coinbase(at: 1)
        let tx = t.spend(
            [(TestChain.outpoint(source), alice)],
            to: [TxOutput(amount: ChainParameters.maximumMoney + 1, address: TestChain.address(bob))])
        expectRejected(t.block([tx]), .amountRange)
    }

    @Test func r18OutputsAddingUpAboveMaximumMoneyAreRejected() throws {
        let source = try t.coinbase(at: 1)
        let half = ChainParameters.maximumMoney / 2 + 1
        let tx = t.spend(
            [(TestChain.outpoint(source), alice)],
            to: [
                TxOutput(amount: half, address: TestChain.address(bob)),
                TxOutput(amount: half, address: TestChain.address(bob)),
            ])
        expectRejected(t.block([tx]), .amountRange)
    }

    @Test func r19SpendingAnOutputThatNeverExistedIsRejected() throws {
        let tx = t.spend(
            [(OutPoint(txid: SHA256.hash([1, 2, 3]), index: 0), alice)],
            to: [TxOutput(amount: 1_000, address: TestChain.address(bob))])
        expectRejected(t.block([tx]), .missingOrSpent)
    }

    @Test func r19SpendingAnOutputSpentInTheChainIsRejected() throws {
        let first = try payment(amount: 10 * coin)
        try expectAccepted(t.block([first], fees: 10_000))
        let again = try payment(amount: 20 * coin)
        expectRejected(t.block([again], fees: 10_000), .missingOrSpent)
    }

    @Test func r19DoubleSpendInsideOneBlockIsRejected() throws {
        let a = try payment(amount: 10 * coin)
        let b = try payment(amount: 20 * coin)
        expectRejected(t.block([a, b], fees: 20_000), .missingOrSpent)
    }

    @Test func r19SpendingAnOutputOfALaterTransactionIsRejected() throws {
        let first = try payment()
        let second = t.spend(
            [(TestChain.outpoint(first, 0), bob)],
            to: [TxOutput(amount: 10 * coin - 5_000, address: TestChain.address(alice))])
        expectRejected(t.block([second, first], fees: 15_000), .missingOrSpent)
    }

    @Test func r19TwoSpendsOfAnOutputCreatedInTheSameBlockAreRejected() throws {
        let first = try payment()
        let spend = { (amount: UInt64) in
            self.t.spend(
                [(TestChain.outpoint(first, 0), self.bob)],
                to: [TxOutput(amount: amount, address: TestChain.address(self.alice))])
        }
        expectRejected(
            t.block([first, spend(10 * coin - 5_000), spend(10 * coin - 6_000)], fees: 21_000), .missingOrSpent)
    }

    @Test func r19OutputIndexBeyondATransactionOfTheSameBlockIsRejected() throws {
        let first = try payment()
        let second = t.spend(
            [(OutPoint(txid: first.txid, index: 2), bob)],
            to: [TxOutput(amount: 1_000, address: TestChain.address(alice))])
        expectRejected(t.block([first, second], fees: 10_000), .missingOrSpent)
    }

    @Test func r19OutputIndexBeyondTheTransactionIsRejected() throws {
        let source = try t.coinbase(at: 1)
        let tx = t.spend(
            [(OutPoint(txid: source.txid, index: 1), alice)],
            to: [TxOutput(amount: 1_000, address: TestChain.address(bob))])
        expectRejected(t.block([tx]), .missingOrSpent)
    }

    @Test func r20SpendingACoinbaseNinetyNineBlocksDeepIsRejected() throws {
        let source = try t.coinbase(at: 12)  // next block is 111: 99 deep
        let tx = t.spend(
            [(TestChain.outpoint(source), alice)],
            to: [TxOutput(amount: source.outputs[0].amount - 1_000, address: TestChain.address(bob))])
        expectRejected(t.block([tx], fees: 1_000), .immatureCoinbase)
    }

    @Test func r21KeyNotMatchingTheAddressIsRejected() throws {
        let source = try t.coinbase(at: 1)
        let tx = t.spend(
            [(TestChain.outpoint(source), bob)], to: [TxOutput(amount: 1_000, address: TestChain.address(bob))])
        expectRejected(t.block([tx]), .inputKey)
    }

    @Test func r22DamagedSignatureIsRejected() throws {
        let good = try payment()
        var input = good.inputs[0]
        input.signature[5] ^= 0x40
        let bad = Transaction(inputs: [input], outputs: good.outputs)
        expectRejected(t.block([bad], fees: 10_000), .signature)
    }

    @Test func r22SignatureMadeForAnotherNetworkIsRejected() throws {
        let source = try t.coinbase(at: 1)
        let unsigned = Transaction(
            inputs: [TxInput(outpoint: TestChain.outpoint(source), publicKey: alice.publicKey)],
            outputs: [TxOutput(amount: 1_000, address: TestChain.address(bob))])
        let signedForMain = unsigned.signed(with: [alice], parameters: .main)
        expectRejected(t.block([signedForMain], fees: source.outputs[0].amount - 1_000), .signature)
    }

    @Test func r22SignatureOfAnotherKeyIsRejected() throws {
        let source = try t.coinbase(at: 1)
        let unsigned = Transaction(
            inputs: [TxInput(outpoint: TestChain.outpoint(source), publicKey: alice.publicKey)],
            outputs: [TxOutput(amount: 1_000, address: TestChain.address(bob))])
        let wronglySigned = unsigned.signed(with: [bob], parameters: .regtest)
        let forged = Transaction(
            inputs: [
                TxInput(
                    outpoint: TestChain.outpoint(source), publicKey: alice.publicKey,
                    signature: wronglySigned.inputs[0].signature)
            ], outputs: unsigned.outputs)
        expectRejected(t.block([forged], fees: source.outputs[0].amount - 1_000), .signature)
    }

    @Test func r23OutputsAboveInputsAreRejected() throws {
        let source = try t.coinbase(at: 1)
        let tx = t.spend(
            [(TestChain.outpoint(source), alice)],
            to: [TxOutput(amount: source.outputs[0].amount + 1, address: TestChain.address(bob))])
        expectRejected(t.block([tx]), .inputsBelowOutputs)
    }

    @Test func r0TrailingBytesAreRejectedByTheDecoder() throws {
        let bytes = t.block().encoded + [0]
        #expect(throws: WireError.trailingBytes(1)) { try Block(decoding: bytes) }
    }

    @Test func anInvalidBlockStaysInvalidAfterReopening() throws {
        let bad = t.block(fees: 1)
        expectRejected(bad, .coinbaseAmount)
        try t.reopen()
        #expect(t.chain.index[bad.hash].map(t.chain.index.status(of:)) == .invalid)
        #expect(throws: ChainError.knownInvalid(bad.hash)) { try t.chain.acceptBlock(bad) }
    }
}
