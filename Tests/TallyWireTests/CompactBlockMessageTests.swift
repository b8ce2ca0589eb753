import Foundation
import TallyCrypto
import TallyTestSupport
import Testing

@testable import TallyWire

/// The messages of Protocol.md §13.10: its vectors, every way their payloads can be malformed, and round
/// trips of random blocks.
@Suite struct CompactBlockMessageTests {
    typealias V = CompactBlockVectors

    // MARK: Short ids

    @Test func shortIDVector() {
        #expect(V.transactions.map(\.wtxid) == V.wtxidsWire.map(wireHash))
        #expect(V.block.computedMerkleRoot == V.block.header.merkleRoot)
        #expect(V.block.hash == wireHash(V.blockHashWire))
        let key = CompactBlockMessage.shortIDKey(header: V.block.header, nonce: V.nonce)
        let keyBytes = withUnsafeBytes(of: (key.k0.littleEndian, key.k1.littleEndian), Array.init)
        #expect(keyBytes == bytes(V.keyHex))
        #expect(SipHash.hash(V.transactions[1].wtxid, key: key) == V.secondSipHash)
        #expect(CompactBlockMessage.shortID(for: V.transactions[1].wtxid, key: key) == V.shortIDs[0])
        #expect(V.compactBlock.shortIDKey == key)
        #expect([1, 3].map { V.compactBlock.shortID(for: V.transactions[$0].wtxid) } == V.shortIDs)
    }

    @Test func theKeyIsSingleSHA256OfHeaderAndNonce() {
        // Not the double hash, and the nonce little-endian after the header.
        let digest = SHA256.hash(bytes(V.headerHex) + bytes("8877665544332211"))
        #expect(Array(digest.bytes[0..<16]) == bytes(V.keyHex))
        #expect(
            Array(SHA256.doubleHash(bytes(V.headerHex) + bytes("8877665544332211")).bytes[0..<16]) != bytes(V.keyHex))
    }

    @Test func theBuilderMakesTheVector() {
        let built = CompactBlockMessage(block: V.block, nonce: V.nonce, prefilledIndexes: [2])
        #expect(built == V.compactBlock)
        #expect(built.encoded == bytes(V.compactBlockPayload))
        // The coinbase is always prefilled; repeated and unsorted indexes are one each.
        #expect(CompactBlockMessage(block: V.block, nonce: V.nonce, prefilledIndexes: [2, 0, 2]) == V.compactBlock)
        let coinbaseOnly = CompactBlockMessage(block: V.block, nonce: V.nonce)
        #expect(coinbaseOnly.prefilledTransactions == [.init(index: 0, transaction: V.transactions[0])])
        #expect(coinbaseOnly.shortIDs == [1, 2, 3].map { coinbaseOnly.shortID(for: V.transactions[$0].wtxid) })
        #expect(coinbaseOnly.transactionCount == 4)
        // Another nonce, other short ids.
        #expect(CompactBlockMessage(block: V.block, nonce: V.nonce + 1, prefilledIndexes: [2]).shortIDs != V.shortIDs)
    }

    @Test func protocolMdCarriesTheVectors() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("Protocol.md"), encoding: .utf8)
        let document = text.filter { !$0.isWhitespace }
        for vector in [
            V.headerHex, V.blockHashWire, V.keyHex, V.wtxidsWire[1], V.wtxidsWire[3], "eeaa6ae0b781", "81b7e06aaaee",
            "f8a147881bc1", "c11b8847a1f8", "a8c5eeaa6ae0b781", V.sendCompactPayload, V.sendCompactEnvelope,
            V.compactBlockPayload, V.compactBlockEnvelope, V.getBlockTransactionsPayload,
            V.getBlockTransactionsEnvelope, V.blockTransactionsPayload, V.blockTransactionsEnvelope,
        ] {
            #expect(document.contains(vector), "Protocol.md §13.10 lacks \(vector)")
        }
    }

    @Test func aValidBlockHoldsAtMost6316Transactions() {
        #expect(Block.maximumTransactionCount == 6_316)
        #expect(BlockHeader.size + 3 + 6_316 * Transaction.minimumSize <= Block.maximumSize)
        #expect(BlockHeader.size + 3 + 6_317 * Transaction.minimumSize > Block.maximumSize)
    }

    @Test func compactBlockInventoryType() {
        #expect(InventoryType.compactBlock.rawValue == 4)
        #expect(InventoryType.compactBlock.description == "cmpctblock")
        // Served and learnt from, like blocks and transactions; other types stay ignored.
        #expect(InventoryType.compactBlock.isKnown)
        #expect(!InventoryType(rawValue: 3).isKnown)
    }

    // MARK: sendcmpct

    @Test func sendCompactFields() throws {
        #expect(SendCompactMessage.currentVersion == 1)
        #expect(SendCompactMessage(announce: false).encoded == bytes("000100000000000000"))
        // Another compact version decodes and is kept, for the receiver to ignore.
        let other = try SendCompactMessage(decoding: bytes("010200000000000000"))
        #expect(other == SendCompactMessage(announce: true, version: 2))
        expectInvalidValue("sendcmpct", bytes("020100000000000000"))
        expectMalformed("sendcmpct", bytes("0101000000000000"), .truncated(needed: 8, remaining: 7))
    }

    // MARK: cmpctblock

    /// The vector's header and nonce, then `rest`.
    func compactBlock(_ rest: String) -> [UInt8] { bytes(V.headerHex + "8877665544332211" + rest) }

    @Test func compactBlockCountsAboveTheirLimits() {
        // 6,317 short ids (fd ad 18); 6,317 prefilled; with 2 short ids, 6,315 prefilled.
        expectMalformed("cmpctblock", compactBlock("fdad18"), .countTooLarge(count: 6_317, limit: 6_316))
        expectMalformed("cmpctblock", compactBlock("00" + "fdad18"), .countTooLarge(count: 6_317, limit: 6_316))
        expectMalformed(
            "cmpctblock", compactBlock("02" + "81b7e06aaaeec11b8847a1f8" + "fdab18"),
            .countTooLarge(count: 6_315, limit: 6_314))
        // Within the limit but beyond what the bytes can hold: refused before allocating.
        expectMalformed("cmpctblock", compactBlock("fdac18"), .truncated(needed: 37_896, remaining: 0))
        expectMalformed("cmpctblock", compactBlock("00" + "fd0001" + "00"), .truncated(needed: 1_792, remaining: 1))
    }

    @Test func compactBlockNonCanonicalCompactSizes() {
        expectMalformed(
            "cmpctblock", compactBlock("fd0200" + "81b7e06aaaeec11b8847a1f8" + "00"), .nonCanonicalCompactSize)
        expectMalformed("cmpctblock", compactBlock("00" + "fd0100" + "00" + "010000000000"), .nonCanonicalCompactSize)
        // The index 0 written in three bytes.
        expectMalformed("cmpctblock", compactBlock("00" + "01" + "fd0000" + "010000000000"), .nonCanonicalCompactSize)
    }

    @Test func compactBlockIndexesPastTheCountAreRefused() throws {
        // Two short ids, two prefilled: four transactions. The vector writes indexes 0 and 2 as 0, 1.
        let shortIDs = "02" + "81b7e06aaaeec11b8847a1f8"
        let valid = compactBlock(shortIDs + "02" + "00" + "010000000000" + "01" + "030000000000")
        #expect(valid == bytes(V.compactBlockPayload))
        // 0 then 3 (written 2) is another valid message; 0 then 4 (written 3) is past the end.
        let three = compactBlock(shortIDs + "02" + "00" + "010000000000" + "02" + "030000000000")
        #expect(try CompactBlockMessage(decoding: three).prefilledTransactions.map(\.index) == [0, 3])
        expectInvalidValue("cmpctblock", compactBlock(shortIDs + "02" + "00" + "010000000000" + "03" + "030000000000"))
        // A first index of 4; a distance that would overflow any integer.
        expectInvalidValue("cmpctblock", compactBlock(shortIDs + "01" + "04" + "010000000000"))
        expectInvalidValue("cmpctblock", compactBlock(shortIDs + "01" + "ffffffffffffffffff" + "010000000000"))
        expectInvalidValue(
            "cmpctblock", compactBlock(shortIDs + "02" + "00" + "010000000000" + "ffffffffffffffffff" + "030000000000"))
    }

    @Test func differentialIndexesCannotRepeatOrGoBack() throws {
        // Two distances of 0 are the positions 0 and 1: no encoding names a position twice.
        let message = try CompactBlockMessage(
            decoding: compactBlock("00" + "02" + "00" + "010000000000" + "00" + "020000000000"))
        #expect(message.prefilledTransactions.map(\.index) == [0, 1])
        #expect(message.shortIDs.isEmpty)
    }

    @Test func aCompactBlockOfNoTransactionIsRefused() {
        expectInvalidValue("cmpctblock", compactBlock("00" + "00"))
    }

    @Test func shortIDsAreSixBytesLittleEndian() throws {
        let message = try CompactBlockMessage(decoding: compactBlock("01" + "ffeeddccbbaa" + "00"))
        #expect(message.shortIDs == [0xaabb_ccdd_eeff])
        #expect(message.encoded == compactBlock("01" + "ffeeddccbbaa" + "00"))
    }

    @Test func anUnbuildableCompactBlockTraps() async {
        await #expect(processExitsWith: .failure) {
            let transaction = CompactBlockVectors.transactions[0]
            _ = CompactBlockMessage(
                header: CompactBlockVectors.block.header, nonce: 0, shortIDs: [],
                prefilledTransactions: [
                    .init(index: 1, transaction: transaction), .init(index: 0, transaction: transaction),
                ])
        }
    }

    // MARK: getblocktxn

    @Test func getBlockTransactionsLimits() throws {
        let hash = V.blockHashWire
        expectMalformed("getblocktxn", bytes(hash + "fdad18"), .countTooLarge(count: 6_317, limit: 6_316))
        expectMalformed("getblocktxn", bytes(hash + "fdac18"), .truncated(needed: 6_316, remaining: 0))
        // The last position a valid block has, 6,315 (fd ab 18), and one past it.
        #expect(try GetBlockTransactionsMessage(decoding: bytes(hash + "01" + "fdab18")).indexes == [6_315])
        expectInvalidValue("getblocktxn", bytes(hash + "01" + "fdac18"))
        expectInvalidValue("getblocktxn", bytes(hash + "02" + "fdab18" + "00"))
        expectInvalidValue("getblocktxn", bytes(hash + "01" + "ffffffffffffffffff"))
        expectMalformed("getblocktxn", bytes(hash + "01" + "fd0500"), .nonCanonicalCompactSize)
        expectMalformed("getblocktxn", bytes(hash + "fd0100" + "00"), .nonCanonicalCompactSize)
        // Asking for nothing is well formed.
        #expect(try GetBlockTransactionsMessage(decoding: bytes(hash + "00")).indexes.isEmpty)
    }

    @Test func theLargestGetBlockTransactionsFitsItsLimitExactly() throws {
        let all = GetBlockTransactionsMessage(blockHash: .zero, indexes: Array(0..<6_316))
        #expect(all.encoded.count == GetBlockTransactionsMessage.maximumPayloadSize)
        #expect(try GetBlockTransactionsMessage(decoding: all.encoded) == all)
        // Three-byte distances: fewer positions, fewer bytes.
        let spread = GetBlockTransactionsMessage(blockHash: .zero, indexes: Array(stride(from: 0, to: 6_316, by: 254)))
        #expect(spread.encoded.count < all.encoded.count)
        #expect(try GetBlockTransactionsMessage(decoding: spread.encoded) == spread)
    }

    @Test func nonIncreasingIndexesTrap() async {
        await #expect(processExitsWith: .failure) {
            _ = GetBlockTransactionsMessage(blockHash: .zero, indexes: [3, 3])
        }
    }

    // MARK: blocktxn

    @Test func blockTransactionsLimits() {
        let hash = V.blockHashWire
        expectMalformed("blocktxn", bytes(hash + "fdad18"), .countTooLarge(count: 6_317, limit: 6_316))
        expectMalformed("blocktxn", bytes(hash + "64" + "010000000000"), .truncated(needed: 600, remaining: 6))
        expectMalformed("blocktxn", bytes(hash + "fd0100" + "010000000000"), .nonCanonicalCompactSize)
        #expect(throws: MessageError.payloadTooLarge(command: "blocktxn", length: 1_048_529, limit: 1_048_528)) {
            try MessageCodec.decodePayload(command: "blocktxn", payload: [UInt8](repeating: 0, count: 1_048_529))
        }
    }

    @Test func blockTransactionsAnswerAGetBlockTransactions() {
        let request = V.getBlockTransactions
        #expect(BlockTransactionsMessage(answering: request, from: V.block) == V.blockTransactions)
        let empty = GetBlockTransactionsMessage(blockHash: V.block.hash, indexes: [])
        #expect(BlockTransactionsMessage(answering: empty, from: V.block)?.transactions == [])
        // A position the block does not have: no answer (the asker's fault).
        let past = GetBlockTransactionsMessage(blockHash: V.block.hash, indexes: [1, 4])
        #expect(BlockTransactionsMessage(answering: past, from: V.block) == nil)
    }

    // MARK: Random blocks

    @Test(arguments: [1, 2, 30, 300])
    func randomBlocksRoundTrip(transactionCount: Int) throws {
        var random = SystemRandomNumberGenerator()
        let transactions = (0..<transactionCount).map { _ in Transaction.random(using: &random) }
        let block = Block.random(of: transactions, using: &random)
        let prefilled = (0..<transactionCount).filter { _ in Int.random(in: 0..<4, using: &random) == 0 }
        let message = CompactBlockMessage(block: block, nonce: random.next(), prefilledIndexes: prefilled)
        let decoded = try CompactBlockMessage(decoding: message.encoded)
        #expect(decoded == message)
        #expect(decoded.encoded == message.encoded)
        #expect(decoded.transactionCount == transactionCount)
        let prefilledIndexes = Set(prefilled + [0])
        #expect(decoded.prefilledTransactions.map(\.index) == prefilledIndexes.sorted())
        #expect(decoded.prefilledTransactions.allSatisfy { block.transactions[$0.index] == $0.transaction })
        let shortIDed = (0..<transactionCount).filter { !prefilledIndexes.contains($0) }
        #expect(decoded.shortIDs == shortIDed.map { decoded.shortID(for: block.transactions[$0].wtxid) })
        #expect(decoded.shortIDs.allSatisfy { $0 <= CompactBlockMessage.shortIDMask })

        let request = GetBlockTransactionsMessage(blockHash: block.hash, indexes: shortIDed)
        #expect(try GetBlockTransactionsMessage(decoding: request.encoded) == request)
        let answer = try #require(BlockTransactionsMessage(answering: request, from: block))
        #expect(try BlockTransactionsMessage(decoding: answer.encoded) == answer)
        #expect(answer.transactions.map(\.wtxid) == shortIDed.map { block.transactions[$0].wtxid })
    }

    @Test func aFullBlockOfSmallestTransactionsFitsTheLimits() throws {
        // 6,316 transactions of 166 bytes: the most a valid block holds. All prefilled, its compact form
        // is the block's bytes + 9 + 6,316; all asked for, the blocktxn is the block's − 80 + 32.
        var random = SystemRandomNumberGenerator()
        let smallest = Transaction.random(inputs: 1...1, outputs: 1...1, using: &random)
        let block = Block.random(of: Array(repeating: smallest, count: 6_316), using: &random)
        #expect(block.size <= Block.maximumSize)
        let compact = CompactBlockMessage(block: block, nonce: 1, prefilledIndexes: Array(0..<6_316))
        #expect(compact.encoded.count == block.size + 9 + 6_316)
        #expect(compact.encoded.count <= CompactBlockMessage.maximumPayloadSize)
        #expect(
            try MessageCodec.decodePayload(command: "cmpctblock", payload: compact.encoded) == .compactBlock(compact))
        let all = try #require(
            BlockTransactionsMessage(
                answering: GetBlockTransactionsMessage(blockHash: block.hash, indexes: Array(0..<6_316)), from: block))
        #expect(all.encoded.count == block.size - 80 + 32)
        #expect(all.encoded.count <= BlockTransactionsMessage.maximumPayloadSize)
    }
}
