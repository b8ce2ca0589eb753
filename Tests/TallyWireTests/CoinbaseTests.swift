import TallyCrypto
import TallyTestSupport
import Testing

@testable import TallyWire

@Suite struct CoinbaseTests {
    @Test func publicKeyFieldLayout() throws {
        let field = Fixtures.coinbaseData.publicKeyField
        try #require(field.count == 32)
        #expect(field == bytes(Fixtures.coinbaseFieldHex))
        #expect(Array(field[0..<4]) == [0x04, 0x03, 0x02, 0x01])  // height u32 LE
        #expect(Array(field[4..<12]) == [0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11])  // extra nonce u64 LE
        #expect(Array(field[12..<17]) == Array("hello".utf8))  // tag
        #expect(Array(field[17..<32]) == [UInt8](repeating: 0, count: 15))  // zero padding
    }

    @Test func tagIsZeroPaddedTo20Bytes() {
        #expect(Fixtures.coinbaseData.tag == Array("hello".utf8) + [UInt8](repeating: 0, count: 15))
        #expect(CoinbaseData(height: 1).tag == [UInt8](repeating: 0, count: 20))
        let full = [UInt8](1...20)
        let data = CoinbaseData(height: 0xFFFF_FFFF, extraNonce: .max, tag: full)
        #expect(data.publicKeyField == [0xFF, 0xFF, 0xFF, 0xFF] + [UInt8](repeating: 0xFF, count: 8) + full)
    }

    @Test func parsesPublicKeyField() {
        let parsed = CoinbaseData(publicKeyField: bytes(Fixtures.coinbaseFieldHex))
        #expect(parsed.height == 0x0102_0304)
        #expect(parsed.extraNonce == 0x1122_3344_5566_7788)
        #expect(parsed.tag == Array("hello".utf8) + [UInt8](repeating: 0, count: 15))
        #expect(parsed == Fixtures.coinbaseData)
    }

    @Test func coinbaseTransactionBytesAndHashes() {
        let cb = Fixtures.coinbase
        #expect(cb.encoded == bytes(Fixtures.coinbaseHex))
        #expect(cb.txid.bytes == bytes(Fixtures.coinbaseTxidWire))
        #expect(cb.wtxid.bytes == bytes(Fixtures.coinbaseWtxidWire))
        #expect(cb.inputs.count == 1)
        #expect(cb.inputs[0].outpoint == .null)
        #expect(cb.inputs[0].signature == [UInt8](repeating: 0, count: 64))
        #expect(cb.version == 1)
    }

    @Test func isCoinbaseAndCoinbaseData() throws {
        let cb = Fixtures.coinbase
        #expect(cb.isCoinbase)
        let data = try #require(cb.coinbaseData)
        #expect(data == Fixtures.coinbaseData)
        #expect(data.height == 0x0102_0304)

        // Decoding gives the same coinbase.
        let decoded = try Transaction(decoding: bytes(Fixtures.coinbaseHex))
        #expect(decoded.isCoinbase)
        #expect(decoded.coinbaseData?.extraNonce == 0x1122_3344_5566_7788)
    }

    @Test func isCoinbaseOnlyForExactlyOneNullInput() {
        let key = bytes(Fixtures.coinbaseFieldHex)
        let out = [TxOutput(amount: 1, address: AddressHash(bytes: [UInt8](repeating: 0, count: 20))!)]
        func tx(_ outpoints: [OutPoint]) -> Transaction {
            Transaction(inputs: outpoints.map { TxInput(outpoint: $0, publicKey: key) }, outputs: out)
        }
        var oneBit = [UInt8](repeating: 0, count: 32)
        oneBit[31] = 0x80

        #expect(tx([.null]).isCoinbase)
        #expect(tx([OutPoint(txid: .zero, index: 0xFFFF_FFFF)]).isCoinbase)
        // Index 0 with a zero txid is not the null outpoint.
        #expect(!tx([OutPoint(txid: .zero, index: 0)]).isCoinbase)
        #expect(!tx([OutPoint(txid: .zero, index: 0xFFFF_FFFE)]).isCoinbase)
        // Right index, non-zero txid.
        #expect(!tx([OutPoint(txid: Hash256(bytes: oneBit), index: 0xFFFF_FFFF)]).isCoinbase)
        // Two inputs, even if the first (or both) is null.
        #expect(!tx([.null, OutPoint(txid: .zero, index: 0)]).isCoinbase)
        #expect(!tx([.null, .null]).isCoinbase)
        #expect(!tx([OutPoint(txid: .zero, index: 0), .null]).isCoinbase)
        // No inputs.
        #expect(!tx([]).isCoinbase)
        #expect(tx([]).coinbaseData == nil)
        // The ordinary fixture.
        #expect(!Fixtures.transaction.isCoinbase)
        #expect(Fixtures.transaction.coinbaseData == nil)
    }

    @Test func heightAndExtraNonceChangeTheTxid() {
        let out = Fixtures.coinbase.outputs
        let a = Transaction.coinbase(CoinbaseData(height: 1), outputs: out)
        let b = Transaction.coinbase(CoinbaseData(height: 2), outputs: out)
        let c = Transaction.coinbase(CoinbaseData(height: 1, extraNonce: 1), outputs: out)
        #expect(a.txid != b.txid)
        #expect(a.txid != c.txid)
    }
}
