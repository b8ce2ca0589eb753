import TallyCrypto
import TallyNet
import TallyTestSupport
import TallyWire
import Testing

/// Rebuilding blocks from `cmpctblock` (Protocol.md §13.10) against mempools of random transactions.
@Suite struct BlockReconstructionTests {
    /// Two 6-byte transactions (versions 0x016b89c3 and 0x01f56856, no inputs, no outputs) whose short
    /// ids are both 0x0095715e7610 under the key of Protocol.md §13.10's vector (its header, nonce
    /// 0x1122334455667788): found by a search over 2^25 versions in C (OpenSSL, libsodium), checked in
    /// Python.
    static let collidingTransactions = ["c3896b010000", "5668f5010000"].map { try! Transaction(decoding: bytes($0)) }
    static let vectorHeader = try! BlockHeader(
        decoding: bytes(
            "01000000000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f1f0a4b040f38ccfd3d93b27f91"
                + "178b4fed8a7d27ee220b5105fe415597b628bd0082036bffff7f2007000000"))
    static let vectorNonce: UInt64 = 0x1122_3344_5566_7788

    /// A block of `count` random transactions and its compact form, prefilling the coinbase.
    static func randomBlock(
        _ count: Int, using random: inout some RandomNumberGenerator
    ) -> (Block, CompactBlockMessage) {
        let block = Block.random(of: (0..<count).map { _ in Transaction.random(using: &random) }, using: &random)
        return (block, CompactBlockMessage(block: block, nonce: random.next()))
    }

    /// The block's transactions but the coinbase and those at `absent`, among `others` unrelated ones.
    static func mempool(
        of block: Block, without absent: Set<Int> = [], others: Int, using random: inout some RandomNumberGenerator
    ) -> [Transaction] {
        let held = block.transactions.indices.dropFirst().filter { !absent.contains($0) }.map { block.transactions[$0] }
        return (held + (0..<others).map { _ in Transaction.random(using: &random) }).shuffled(using: &random)
    }

    @Test func everyTransactionInTheMempoolRebuildsTheBlock() throws {
        var random = SystemRandomNumberGenerator()
        let (block, message) = Self.randomBlock(200, using: &random)
        var reconstruction = try BlockReconstruction(message)
        #expect(reconstruction.missingIndexes == Array(1..<200))
        #expect(try reconstruction.block == nil)
        reconstruction.fill(from: Self.mempool(of: block, others: 1_000, using: &random))
        #expect(reconstruction.missingIndexes.isEmpty)
        #expect(try reconstruction.block == block)
        #expect(try reconstruction.block?.encoded == block.encoded)
    }

    @Test func missingTransactionsAreAskedForAndCompleteTheBlock() throws {
        var random = SystemRandomNumberGenerator()
        let (block, _) = Self.randomBlock(100, using: &random)
        let message = CompactBlockMessage(block: block, nonce: random.next(), prefilledIndexes: [5, 50])
        let absent: Set<Int> = [3, 4, 5, 50, 77, 99]
        var reconstruction = try BlockReconstruction(message)
        reconstruction.fill(from: Self.mempool(of: block, without: absent, others: 500, using: &random))
        // 5 and 50 came prefilled.
        #expect(reconstruction.missingIndexes == [3, 4, 77, 99])
        #expect(try reconstruction.block == nil)

        let request = GetBlockTransactionsMessage(blockHash: block.hash, indexes: reconstruction.missingIndexes)
        let answer = try #require(BlockTransactionsMessage(answering: request, from: block))
        #expect(try reconstruction.complete(with: answer) == block)
    }

    @Test func fillingInSeveralCallsAddsUp() throws {
        var random = SystemRandomNumberGenerator()
        let (block, message) = Self.randomBlock(40, using: &random)
        var reconstruction = try BlockReconstruction(message)
        reconstruction.fill(from: block.transactions[1..<20])
        #expect(reconstruction.missingIndexes == Array(20..<40))
        // The same transactions again (mempool and recent relay both hold them) change nothing.
        reconstruction.fill(from: Dictionary(uniqueKeysWithValues: block.transactions.map { ($0.txid, $0) }).values)
        #expect(try reconstruction.block == block)
    }

    @Test func equalShortIDsInTheMessageAreACollision() {
        let transaction = Self.collidingTransactions[0]
        let message = CompactBlockMessage(
            header: Self.vectorHeader, nonce: 1, shortIDs: [7, 9, 7],
            prefilledTransactions: [.init(index: 0, transaction: transaction)])
        #expect(throws: BlockReconstruction.Failure.shortIDCollision) { try BlockReconstruction(message) }
    }

    @Test func aShortIDTwoCandidatesMatchIsAskedFor() throws {
        let (first, second) = (Self.collidingTransactions[0], Self.collidingTransactions[1])
        let key = CompactBlockMessage.shortIDKey(header: Self.vectorHeader, nonce: Self.vectorNonce)
        #expect(first.wtxid != second.wtxid)
        #expect(CompactBlockMessage.shortID(for: first.wtxid, key: key) == 0x0095_715e_7610)
        #expect(CompactBlockMessage.shortID(for: second.wtxid, key: key) == 0x0095_715e_7610)
        // No header can commit to a transaction whose short ids its own key makes collide (the key
        // hashes the header): this message keeps the vector's header, whose key the search used.
        var random = SystemRandomNumberGenerator()
        let third = Transaction.random(using: &random)
        let message = CompactBlockMessage(
            header: Self.vectorHeader, nonce: Self.vectorNonce,
            shortIDs: [first, third].map { CompactBlockMessage.shortID(for: $0.wtxid, key: key) },
            prefilledTransactions: [.init(index: 0, transaction: Transaction.random(using: &random))])
        var reconstruction = try BlockReconstruction(message)
        reconstruction.fill(from: [third, second, first])
        #expect(reconstruction.missingIndexes == [1])
        // Once two matched, it stays asked for: `first` again, or alone later, does not settle it.
        reconstruction.fill(from: [first])
        #expect(reconstruction.missingIndexes == [1])
        // One of the two alone fills it.
        var single = try BlockReconstruction(message)
        single.fill(from: [first, third, first])
        #expect(single.missingIndexes.isEmpty)
    }

    @Test func aBlockTransactionsOfAnotherCountIsThePeersFault() throws {
        var random = SystemRandomNumberGenerator()
        let (block, message) = Self.randomBlock(10, using: &random)
        var reconstruction = try BlockReconstruction(message)
        reconstruction.fill(from: Self.mempool(of: block, without: [2, 7], others: 0, using: &random))
        #expect(reconstruction.missingIndexes == [2, 7])
        for transactions in [[block.transactions[2]], [], Array(block.transactions[1...3])] {
            #expect(
                throws: BlockReconstruction.Failure.wrongTransactionCount(expected: 2, received: transactions.count)
            ) {
                try reconstruction.complete(
                    with: BlockTransactionsMessage(blockHash: block.hash, transactions: transactions))
            }
        }
        // The right answer still completes it afterwards.
        let answer = BlockTransactionsMessage(
            blockHash: block.hash, transactions: [2, 7].map { block.transactions[$0] })
        #expect(try reconstruction.complete(with: answer) == block)
    }

    @Test func aWrongTransactionFromThePeerIsAMerkleMismatch() throws {
        var random = SystemRandomNumberGenerator()
        let (block, message) = Self.randomBlock(10, using: &random)
        var reconstruction = try BlockReconstruction(message)
        reconstruction.fill(from: Self.mempool(of: block, without: [4], others: 10, using: &random))
        let wrong = BlockTransactionsMessage(blockHash: block.hash, transactions: [Transaction.random(using: &random)])
        #expect(throws: BlockReconstruction.Failure.merkleRootMismatch) { try reconstruction.complete(with: wrong) }
        // Two right transactions in the wrong order do not make the block either.
        var two = try BlockReconstruction(message)
        two.fill(from: Self.mempool(of: block, without: [4, 6], others: 0, using: &random))
        let swapped = BlockTransactionsMessage(
            blockHash: block.hash, transactions: [block.transactions[6], block.transactions[4]])
        #expect(throws: BlockReconstruction.Failure.merkleRootMismatch) { try two.complete(with: swapped) }
    }

    @Test func aWrongMempoolMatchIsAMerkleMismatch() throws {
        // A short id that a mempool transaction other than the block's matches (a chance collision,
        // made here by writing that transaction's short id into the message).
        var random = SystemRandomNumberGenerator()
        let (block, honest) = Self.randomBlock(5, using: &random)
        let impostor = Transaction.random(using: &random)
        var shortIDs = honest.shortIDs
        shortIDs[1] = honest.shortID(for: impostor.wtxid)
        let message = CompactBlockMessage(
            header: honest.header, nonce: honest.nonce, shortIDs: shortIDs,
            prefilledTransactions: honest.prefilledTransactions)
        var reconstruction = try BlockReconstruction(message)
        reconstruction.fill(from: Self.mempool(of: block, without: [2], others: 0, using: &random) + [impostor])
        #expect(reconstruction.missingIndexes.isEmpty)
        #expect(throws: BlockReconstruction.Failure.merkleRootMismatch) { try reconstruction.block }
    }

    @Test func aFullyPrefilledBlockNeedsNoMempool() throws {
        var random = SystemRandomNumberGenerator()
        let (block, _) = Self.randomBlock(6, using: &random)
        let message = CompactBlockMessage(block: block, nonce: 3, prefilledIndexes: Array(0..<6))
        let reconstruction = try BlockReconstruction(message)
        #expect(reconstruction.missingIndexes.isEmpty)
        #expect(try reconstruction.block == block)
        #expect(
            try reconstruction.complete(with: BlockTransactionsMessage(blockHash: block.hash, transactions: []))
                == block)
    }

    @Test func prefilledPositionsAreSkippedWhenPlacingShortIDs() throws {
        // Prefilled 0, 1, 3 and 6 of 7: the short ids go to 2, 4 and 5, in order.
        var random = SystemRandomNumberGenerator()
        let (block, _) = Self.randomBlock(7, using: &random)
        let message = CompactBlockMessage(block: block, nonce: 9, prefilledIndexes: [1, 3, 6])
        var reconstruction = try BlockReconstruction(message)
        #expect(reconstruction.missingIndexes == [2, 4, 5])
        reconstruction.fill(from: [block.transactions[4]])
        #expect(reconstruction.missingIndexes == [2, 5])
        let answer = BlockTransactionsMessage(
            blockHash: block.hash, transactions: [block.transactions[2], block.transactions[5]])
        #expect(try reconstruction.complete(with: answer) == block)
    }
}
