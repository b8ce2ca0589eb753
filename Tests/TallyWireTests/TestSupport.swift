import TallyCrypto
import TallyTestSupport

@testable import TallyWire

/// Test fixtures, with their expected encodings computed in Python.
enum Fixtures {
    // MARK: Block header

    /// version 0x20000001, previous hash bytes 00…1f, merkle root bytes 20…3f, time 1700000123,
    /// bits 0x1d00ffff, nonce 0xdeadbeef.
    static let header = BlockHeader(
        version: 0x2000_0001,
        previousBlockHash: Hash256(bytes: Array(UInt8(0x00)..<0x20)),
        merkleRoot: Hash256(bytes: Array(UInt8(0x20)..<0x40)),
        time: 1_700_000_123, bits: 0x1d00_ffff, nonce: 0xdead_beef)
    static let headerHex =
        "01000020000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
        + "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f7bf15365ffff001defbeadde"
    /// sha256d(header), wire order.
    static let headerHashWire = "07aec2ec440b3aa30550a4fc4f7fd23d359aa165e956fe105824e46682bdd79b"
    static let headerHashDisplay = "9bd7bd8266e4245810fe56e965a19a353dd27f4ffca45005a33a0b44ecc2ae07"

    // MARK: Two-input, two-output transaction

    static func range(_ r: Range<Int>) -> [UInt8] { r.map { UInt8($0) } }

    /// version 2; input 0 spends (bytes 00…1f, 0x01020304) with key bytes 20…3f and signature 40…7f;
    /// input 1 spends (bytes 80…9f, 7) with key a0…bf and signature c0…ff; outputs 5,000,000,000 to
    /// c8…db and 0x0102030405060708 to dc…ef.
    static let inputs = [
        TxInput(
            outpoint: OutPoint(txid: Hash256(bytes: range(0..<32)), index: 0x0102_0304),
            publicKey: range(32..<64), signature: range(64..<128)),
        TxInput(
            outpoint: OutPoint(txid: Hash256(bytes: range(128..<160)), index: 7),
            publicKey: range(160..<192), signature: range(192..<256)),
    ]
    static let outputs = [
        TxOutput(amount: 5_000_000_000, address: AddressHash(bytes: range(200..<220))!),
        TxOutput(amount: 0x0102_0304_0506_0708, address: AddressHash(bytes: range(220..<240))!),
    ]
    static let transaction = Transaction(version: 2, inputs: inputs, outputs: outputs)
    static let transactionHex =
        "02000000"
        + "02"
        + "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f" + "04030201"
        + "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
        + "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
        + "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
        + "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f" + "07000000"
        + "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
        + "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
        + "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"
        + "02"
        + "00f2052a01000000" + "c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadb"
        + "0807060504030201" + "dcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeef"
    /// sha256d of the 198 bytes without signatures, wire order.
    static let txidWire = "987ae5ad019997e90b57bb577d454c339a95e0a10d57f5747f71d70a3909389f"
    /// sha256d of all 326 bytes, wire order.
    static let wtxidWire = "e780a794a50e02c803be84fe830fa346d527dc98759015c530e4aad988d94f4c"
    /// wtxid after flipping bit 0 of byte 10 of input 1's signature.
    static let wtxidFlippedWire = "17246209310221d5671e4cfcfc92dbe748ed4458278c8c2ac30e95babdc6c6ec"

    // MARK: Coinbase

    /// height 0x01020304, extra nonce 0x1122334455667788, tag "hello"; pays 50 coins to 00…00.
    static let coinbaseData = CoinbaseData(
        height: 0x0102_0304, extraNonce: 0x1122_3344_5566_7788, tag: Array("hello".utf8))
    static let coinbaseFieldHex = "04030201887766554433221168656c6c6f000000000000000000000000000000"
    static let coinbase = Transaction.coinbase(
        coinbaseData,
        outputs: [TxOutput(amount: 5_000_000_000, address: AddressHash(bytes: [UInt8](repeating: 0, count: 20))!)])
    static let coinbaseHex =
        "01000000" + "01"
        + String(repeating: "00", count: 32) + "ffffffff" + coinbaseFieldHex + String(repeating: "00", count: 64)
        + "01" + "00f2052a01000000" + String(repeating: "00", count: 20)
    static let coinbaseTxidWire = "b4ef3ac08727fd1dc8c41cfe014f2bb65643381df4a2278bd5064b04b3b90c2f"
    static let coinbaseWtxidWire = "797ee502e23ea4f5f1bf1c2963419ad61eb9f945a14ccd11bddc5a9f23fb14d8"
}
