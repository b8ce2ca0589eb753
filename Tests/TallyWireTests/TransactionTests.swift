import TallyCrypto
import TallyTestSupport
import Testing

@testable import TallyWire

@Suite struct TransactionTests {
    @Test func encodesExactBytes() {
        let tx = Fixtures.transaction
        #expect(tx.encoded == bytes(Fixtures.transactionHex))
        #expect(tx.encoded.count == 326)
    }

    @Test func sizeEqualsEncodedLength() {
        #expect(Fixtures.transaction.size == 326)
        #expect(Fixtures.transaction.size == Fixtures.transaction.encoded.count)
        #expect(Fixtures.coinbase.size == Fixtures.coinbase.encoded.count)
        #expect(Fixtures.coinbase.size == 166)
    }

    @Test func txidOmitsSignatures() {
        let tx = Fixtures.transaction
        #expect(tx.txid.bytes == bytes(Fixtures.txidWire))
        // Build the signature-free bytes by hand from the full encoding: drop each 64-byte signature
        // (input 0's at 73..<137, input 1's at 205..<269).
        let full = bytes(Fixtures.transactionHex)
        let stripped = Array(full[0..<73]) + Array(full[137..<205]) + Array(full[269...])
        #expect(stripped.count == 198)
        #expect(tx.txid == SHA256.doubleHash(stripped))
    }

    @Test func wtxidCoversAllBytes() {
        let tx = Fixtures.transaction
        #expect(tx.wtxid.bytes == bytes(Fixtures.wtxidWire))
        #expect(tx.wtxid == SHA256.doubleHash(bytes(Fixtures.transactionHex)))
        #expect(tx.wtxid != tx.txid)
    }

    @Test func changingOnlyASignatureChangesWtxidNotTxid() {
        var inputs = Fixtures.inputs
        inputs[1].signature[10] ^= 0x01
        let changed = Transaction(version: 2, inputs: inputs, outputs: Fixtures.outputs)
        #expect(changed.txid == Fixtures.transaction.txid)
        #expect(changed.txid.bytes == bytes(Fixtures.txidWire))
        #expect(changed.wtxid != Fixtures.transaction.wtxid)
        #expect(changed.wtxid.bytes == bytes(Fixtures.wtxidFlippedWire))
        // Equality follows the wtxid.
        #expect(changed != Fixtures.transaction)
    }

    @Test func changingAnythingElseChangesTxid() {
        let base = Fixtures.transaction
        var inputs = Fixtures.inputs
        inputs[0].publicKey[0] ^= 1
        #expect(Transaction(version: 2, inputs: inputs, outputs: Fixtures.outputs).txid != base.txid)
        inputs = Fixtures.inputs
        inputs[1].outpoint.index += 1
        #expect(Transaction(version: 2, inputs: inputs, outputs: Fixtures.outputs).txid != base.txid)
        var outputs = Fixtures.outputs
        outputs[0].amount += 1
        #expect(Transaction(version: 2, inputs: Fixtures.inputs, outputs: outputs).txid != base.txid)
        #expect(Transaction(version: 1, inputs: Fixtures.inputs, outputs: Fixtures.outputs).txid != base.txid)
    }

    @Test func decodeRoundTrip() throws {
        let decoded = try Transaction(decoding: bytes(Fixtures.transactionHex))
        #expect(decoded.version == 2)
        #expect(decoded.inputs == Fixtures.inputs)
        #expect(decoded.outputs == Fixtures.outputs)
        #expect(decoded.txid.bytes == bytes(Fixtures.txidWire))
        #expect(decoded.wtxid.bytes == bytes(Fixtures.wtxidWire))
        #expect(decoded.size == 326)
        #expect(decoded == Fixtures.transaction)
        #expect(decoded.encoded == bytes(Fixtures.transactionHex))
        #expect(decoded.inputs[0].outpoint.index == 0x0102_0304)
        #expect(decoded.outputs[1].amount == 0x0102_0304_0506_0708)
    }

    @Test func minimumSize() throws {
        #expect(Transaction.minimumSize == 166)
        #expect(TxInput.encodedSize == 132)
        #expect(TxOutput.encodedSize == 28)
        let smallest = Transaction(
            inputs: [TxInput(outpoint: OutPoint(txid: .zero, index: 0), publicKey: [UInt8](repeating: 1, count: 32))],
            outputs: [TxOutput(amount: 1, address: AddressHash(bytes: [UInt8](repeating: 2, count: 20))!)])
        #expect(smallest.encoded.count == 166)
        #expect(smallest.size == 166)
        #expect(smallest.version == 1)
        #expect(smallest.inputs[0].signature == [UInt8](repeating: 0, count: 64))
        // One byte fewer cannot be a transaction.
        #expect(throws: WireError.self) { try Transaction(decoding: Array(smallest.encoded.dropLast())) }
    }

    @Test func outPoint() {
        #expect(OutPoint.null.txid == .zero)
        #expect(OutPoint.null.index == 0xFFFF_FFFF)
        #expect(OutPoint.null.isNull)
        #expect(!OutPoint(txid: .zero, index: 0).isNull)
        let op = OutPoint(txid: Hash256(bytes: Array(UInt8(0)..<32)), index: 5)
        #expect(op.description == "1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100:5")
    }

    @Test func addressHash() {
        #expect(AddressHash(bytes: [UInt8](repeating: 0, count: 19)) == nil)
        #expect(AddressHash(bytes: [UInt8](repeating: 0, count: 21)) == nil)
        #expect(AddressHash(bytes: [UInt8](repeating: 0, count: 20)) != nil)
        // BLAKE2b-160 of the RFC 8032 TEST 1 public key; Python:
        // hashlib.blake2b(bytes.fromhex('d75a98…511a'), digest_size=20).hexdigest()
        let key = bytes("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
        #expect(AddressHash(publicKey: key).bytes == bytes("1b3517cf5af0ac86b8efe88452908c45f5c7e079"))
    }
}
