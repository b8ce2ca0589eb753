import TallyCrypto
import TallyTestSupport

@testable import TallyWire

/// The compact-block vectors of Protocol.md §13.10, computed in Python by an encoder written from that
/// section (hashlib's SHA-256, a SipHash-2-4 checked against the paper's vector and libsodium): four
/// 6-byte transactions (versions 1…4, no inputs, no outputs) in a block whose header commits to them.
enum CompactBlockVectors {
    static let transactionsHex = ["010000000000", "020000000000", "030000000000", "040000000000"]
    static let wtxidsWire = [
        "2f402f8bd1efe1cb8759d796df5b45bca9d41fda464e174ac663a59cd3dcba64",
        "63a230883343138219d45116d938adf82543df9c766f6218fc4474cb1e2aa3af",
        "228ce82fc1c65aae69620c3a2324daaf9cff3d072ba57cae20c4033e871bcd7e",
        "6ca27f4492947e489529cb247d4545f8c39a89acd73590d0b2c51973f3d77f90",
    ]
    static let headerHex =
        "01000000000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f1f0a4b040f38ccfd3d93b27f91"
        + "178b4fed8a7d27ee220b5105fe415597b628bd0082036bffff7f2007000000"
    static let blockHashWire = "b666a8d6a76f6b60e7aeedb1616ff4cbc5dfea53bb7c288415ad940aff3bb45d"
    static let nonce: UInt64 = 0x1122_3344_5566_7788
    static let keyHex = "c5013cb4fe31e4da3906aaef795dd296"
    /// SipHash-2-4 of the second transaction's wtxid, and the short ids of the second and fourth.
    static let secondSipHash: UInt64 = 0xa8c5_eeaa_6ae0_b781
    static let shortIDs: [UInt64] = [0xeeaa_6ae0_b781, 0xf8a1_4788_1bc1]

    static let sendCompactPayload = "010100000000000000"
    static let sendCompactEnvelope = "d9a17e5473656e64636d706374000000090000002d13cb02"
    static let compactBlockPayload =
        headerHex + "8877665544332211" + "02" + "81b7e06aaaee" + "c11b8847a1f8" + "02" + "00" + "010000000000" + "01"
        + "030000000000"
    static let compactBlockEnvelope = "d9a17e54636d706374626c6f636b0000740000008e99a7c2"
    static let getBlockTransactionsPayload = blockHashWire + "02" + "01" + "01"
    static let getBlockTransactionsEnvelope = "d9a17e54676574626c6f636b74786e00230000001fad56b0"
    static let blockTransactionsPayload = blockHashWire + "02" + "020000000000" + "040000000000"
    static let blockTransactionsEnvelope = "d9a17e54626c6f636b74786e000000002d000000e73174ea"

    static let transactions = transactionsHex.map { try! Transaction(decoding: bytes($0)) }
    static let block = Block(header: try! BlockHeader(decoding: bytes(headerHex)), transactions: transactions)
    static let sendCompact = SendCompactMessage(announce: true)
    static let compactBlock = CompactBlockMessage(
        header: block.header, nonce: nonce, shortIDs: shortIDs,
        prefilledTransactions: [
            .init(index: 0, transaction: transactions[0]), .init(index: 2, transaction: transactions[2]),
        ])
    static let getBlockTransactions = GetBlockTransactionsMessage(blockHash: wireHash(blockHashWire), indexes: [1, 3])
    static let blockTransactions = BlockTransactionsMessage(
        blockHash: wireHash(blockHashWire), transactions: [transactions[1], transactions[3]])
}
