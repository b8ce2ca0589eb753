import TallyCrypto
import TallyTestSupport
import Testing

@testable import TallyWire

@Suite struct SignatureMessageTests {
    /// "TALLY/tx" | magic | genesis hash (wire order) | txid of the fixture transaction, from Python.
    static let mainMessage =
        "54414c4c592f7478" + "d9a17e54"
        + "4007ee125c31e04bfbd6f395405c932581e409f507be8990afb4afb238000000"
        + "987ae5ad019997e90b57bb577d454c339a95e0a10d57f5747f71d70a3909389f"
    static let regtestMessage =
        "54414c4c592f7478" + "fa1bc05e"
        + "d2cf10060e45a0fd46f63d9f5f0d3509e94119c4b30dc2908aaa88a8b14f7973"
        + "987ae5ad019997e90b57bb577d454c339a95e0a10d57f5747f71d70a3909389f"

    /// RFC 8032 TEST 1 and TEST 2 seeds; expected signatures over `mainMessage` from Python's
    /// `cryptography` Ed25519.
    static let seeds = [
        bytes("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"),
        bytes("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb"),
    ]
    static let mainSignatures = [
        bytes(
            "63b3d937360f8c039c61c67ab399331bbc93b860051f789edc04af85118a0bd1"
                + "9ccbf296d6bbe5ad3b4d0a9a1bf5b10d1ce5663401443867b416f58b82531b09"),
        bytes(
            "37c4bffb92f164229d3624531e4d53798371419d95e63e9fd102fd69f2e33aea"
                + "09535eecc02ef992f2c6e800b1f61f2d7d70c244ecb4ce96cf377ed352df6a05"),
    ]

    @Test func layout() throws {
        let txid = Fixtures.transaction.txid
        let main = SignatureMessage.bytes(txid: txid, parameters: .main)
        try #require(main.count == 76)
        #expect(main == bytes(SignatureMessageTests.mainMessage))
        #expect(Array(main[0..<8]) == Array("TALLY/tx".utf8))
        #expect(Array(main[8..<12]) == Network.main.magic)
        #expect(Array(main[12..<44]) == Array(bytes(GenesisTests.mainHash).reversed()))
        #expect(Array(main[44..<76]) == bytes(Fixtures.txidWire))

        let regtest = SignatureMessage.bytes(txid: txid, parameters: .regtest)
        #expect(regtest.count == 76)
        #expect(regtest == bytes(SignatureMessageTests.regtestMessage))
        #expect(regtest != main)
    }

    @Test func signedProducesVerifyingSignatures() {
        let keys = SignatureMessageTests.seeds.map { Ed25519.PrivateKey(seed: $0) }
        let tx = Fixtures.transaction
        let signed = tx.signed(with: keys, parameters: .main)
        let message = bytes(SignatureMessageTests.mainMessage)

        // Only the signatures change: same txid, new wtxid.
        #expect(signed.txid == tx.txid)
        #expect(signed.wtxid != tx.wtxid)
        #expect(signed.version == tx.version)
        #expect(signed.outputs == tx.outputs)
        #expect(signed.inputs.map(\.outpoint) == tx.inputs.map(\.outpoint))
        #expect(signed.inputs.map(\.publicKey) == tx.inputs.map(\.publicKey))

        for i in 0..<2 {
            #expect(signed.inputs[i].signature == SignatureMessageTests.mainSignatures[i], "input \(i)")
            #expect(
                Ed25519.verify(signature: signed.inputs[i].signature, message: message, publicKey: keys[i].publicKey))
            // Signatures are per key: input 0's does not verify under input 1's key.
            #expect(
                !Ed25519.verify(
                    signature: signed.inputs[i].signature, message: message, publicKey: keys[1 - i].publicKey))
        }
    }

    @Test func signatureForMainDoesNotVerifyOnRegtest() {
        let keys = SignatureMessageTests.seeds.map { Ed25519.PrivateKey(seed: $0) }
        let tx = Fixtures.transaction
        let signedMain = tx.signed(with: keys, parameters: .main)
        let signedRegtest = tx.signed(with: keys, parameters: .regtest)
        let mainMessage = SignatureMessage.bytes(txid: tx.txid, parameters: .main)
        let regtestMessage = SignatureMessage.bytes(txid: tx.txid, parameters: .regtest)
        for i in 0..<2 {
            #expect(
                Ed25519.verify(
                    signature: signedMain.inputs[i].signature, message: mainMessage, publicKey: keys[i].publicKey))
            #expect(
                !Ed25519.verify(
                    signature: signedMain.inputs[i].signature, message: regtestMessage, publicKey: keys[i].publicKey))
            #expect(
                Ed25519.verify(
                    signature: signedRegtest.inputs[i].signature, message: regtestMessage, publicKey: keys[i].publicKey)
            )
            #expect(
                !Ed25519.verify(
                    signature: signedRegtest.inputs[i].signature, message: mainMessage, publicKey: keys[i].publicKey))
        }
        #expect(signedMain.txid == signedRegtest.txid)
        #expect(signedMain.wtxid != signedRegtest.wtxid)
    }

    @Test func signatureDoesNotCoverAnotherTransaction() {
        let keys = SignatureMessageTests.seeds.map { Ed25519.PrivateKey(seed: $0) }
        let signed = Fixtures.transaction.signed(with: keys, parameters: .main)
        var outputs = Fixtures.outputs
        outputs[1].amount += 1
        let other = Transaction(version: 2, inputs: signed.inputs, outputs: outputs)
        let otherMessage = SignatureMessage.bytes(txid: other.txid, parameters: .main)
        #expect(
            !Ed25519.verify(signature: signed.inputs[0].signature, message: otherMessage, publicKey: keys[0].publicKey))
    }
}
