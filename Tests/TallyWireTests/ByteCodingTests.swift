import TallyCrypto
import TallyTestSupport
import Testing

@testable import TallyWire

@Suite struct ByteWriterReaderTests {
    @Test func littleEndianIntegers() throws {
        var writer = ByteWriter()
        writer.write(UInt8(0xAB))
        writer.write(UInt16(0x0102))
        writer.write(UInt32(0x0102_0304))
        writer.write(UInt64(0x0102_0304_0506_0708))
        writer.write(Int32(-2))
        writer.write(Int64(-2))
        writer.write(Int32.min)
        writer.write(Int64.max)
        let expected = bytes(
            "ab" + "0201" + "04030201" + "0807060504030201" + "feffffff" + "feffffffffffffff"
                + "00000080" + "ffffffffffffff7f")
        #expect(writer.bytes == expected)

        var reader = ByteReader(expected)
        #expect(reader.remaining == expected.count)
        #expect(try reader.readUInt8() == 0xAB)
        #expect(try reader.readUInt16() == 0x0102)
        #expect(try reader.readUInt32() == 0x0102_0304)
        #expect(try reader.readUInt64() == 0x0102_0304_0506_0708)
        #expect(try reader.readInt32() == -2)
        #expect(try reader.readInt64() == -2)
        #expect(try reader.readInt32() == Int32.min)
        #expect(try reader.readInt64() == Int64.max)
        #expect(reader.remaining == 0)
        #expect(reader.offset == expected.count)
        try reader.expectEnd()
    }

    @Test func extremeUnsignedValues() throws {
        var reader = ByteReader(
            bytes("ffff" + "ffffffff" + "ffffffffffffffff" + "0080" + "00000080" + "0000000000000080"))
        #expect(try reader.readUInt16() == .max)
        #expect(try reader.readUInt32() == .max)
        #expect(try reader.readUInt64() == .max)
        #expect(try reader.readUInt16() == 0x8000)
        #expect(try reader.readUInt32() == 0x8000_0000)
        #expect(try reader.readUInt64() == 0x8000_0000_0000_0000)
    }

    @Test func bytesHashesAndVarBytes() throws {
        var writer = ByteWriter(capacity: 0)
        writer.write(bytes: [1, 2, 3])
        writer.write(Hash256(bytes: Array(UInt8(0)..<32)))
        writer.writeVarBytes([9, 8, 7, 6])
        writer.writeVarBytes([])
        let expected = bytes(
            "010203" + "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f" + "0409080706" + "00")
        #expect(writer.bytes == expected)

        var reader = ByteReader(expected)
        #expect(try reader.readBytes(3) == [1, 2, 3])
        #expect(try reader.readHash() == Hash256(bytes: Array(UInt8(0)..<32)))
        #expect(try reader.readVarBytes(limit: 4) == [9, 8, 7, 6])
        #expect(try reader.readVarBytes(limit: 0) == [])
        try reader.expectEnd()
    }

    @Test func varBytesOverLimit() {
        var reader = ByteReader(bytes("0409080706"))
        #expect(throws: WireError.countTooLarge(count: 4, limit: 3)) { try reader.readVarBytes(limit: 3) }
    }

    // MARK: CompactSize

    @Test(
        "CompactSize exact bytes at the boundaries",
        arguments: [
            (UInt64(0), "00"),
            (0xFC, "fc"),
            (0xFD, "fdfd00"),
            (0xFFFF, "fdffff"),
            (0x1_0000, "fe00000100"),
            (0xFFFF_FFFF, "feffffffff"),
            (0x1_0000_0000, "ff0000000001000000"),
            (0xFFFF_FFFF_FFFF_FFFF, "ffffffffffffffffff"),
        ])
    func compactSize(value: UInt64, hex: String) throws {
        var writer = ByteWriter()
        writer.writeCompactSize(value)
        #expect(writer.bytes == bytes(hex))

        if value <= UInt64(Int.max) {
            var intWriter = ByteWriter()
            intWriter.writeCompactSize(Int(value))
            #expect(intWriter.bytes == bytes(hex))
        }

        var reader = ByteReader(bytes(hex))
        #expect(try reader.readCompactSize() == value)
        #expect(reader.remaining == 0)
    }

    @Test(
        "Non-canonical CompactSize is rejected",
        arguments: [
            "fdfc00",  // 252 in three bytes
            "fd0000",  // 0 in three bytes
            "feffff0000",  // 0xFFFF in five bytes
            "fe00000000",
            "ffffffffff00000000",  // 0xFFFFFFFF in nine bytes
            "ff0000000000000000",
            "ff0100000000000000",
        ])
    func nonCanonical(hex: String) {
        var reader = ByteReader(bytes(hex))
        #expect(throws: WireError.nonCanonicalCompactSize) { try reader.readCompactSize() }
    }

    @Test func smallestCanonicalMultiByteValuesAccepted() throws {
        var reader = ByteReader(bytes("fdfd00" + "fe00000100" + "ff0000000001000000"))
        #expect(try reader.readCompactSize() == 0xFD)
        #expect(try reader.readCompactSize() == 0x1_0000)
        #expect(try reader.readCompactSize() == 0x1_0000_0000)
    }

    // MARK: Truncation

    @Test func truncatedReadsThrow() {
        var r1 = ByteReader([])
        #expect(throws: WireError.truncated(needed: 1, remaining: 0)) { try r1.readUInt8() }
        var r2 = ByteReader([1])
        #expect(throws: WireError.truncated(needed: 2, remaining: 1)) { try r2.readUInt16() }
        var r3 = ByteReader([1, 2, 3])
        #expect(throws: WireError.truncated(needed: 4, remaining: 3)) { try r3.readUInt32() }
        var r4 = ByteReader([1, 2, 3, 4, 5, 6, 7])
        #expect(throws: WireError.truncated(needed: 8, remaining: 7)) { try r4.readUInt64() }
        var r5 = ByteReader([UInt8](repeating: 0, count: 31))
        #expect(throws: WireError.truncated(needed: 32, remaining: 31)) { try r5.readHash() }
        var r6 = ByteReader([1, 2, 3, 4])
        #expect(throws: WireError.truncated(needed: 5, remaining: 4)) { try r6.readBytes(5) }
        var r7 = ByteReader([1, 2, 3])
        #expect(throws: WireError.truncated(needed: 4, remaining: 3)) { try r7.readInt32() }
        var r8 = ByteReader([1])
        #expect(throws: WireError.truncated(needed: 8, remaining: 1)) { try r8.readInt64() }
    }

    @Test func failedReadConsumesNothing() throws {
        var reader = ByteReader([0xAA, 0xBB, 0xCC])
        #expect(throws: WireError.self) { try reader.readUInt32() }
        #expect(reader.offset == 0)
        #expect(reader.remaining == 3)
        #expect(try reader.readUInt16() == 0xBBAA)
    }

    @Test func negativeReadLengthThrows() {
        var reader = ByteReader([1, 2, 3])
        #expect(throws: WireError.self) { try reader.readBytes(-1) }
    }

    @Test("Truncated CompactSize", arguments: ["", "fd", "fd01", "fe010000", "ff01000000000000"])
    func truncatedCompactSize(hex: String) {
        var reader = ByteReader(bytes(hex))
        let error = #expect(throws: WireError.self) { try reader.readCompactSize() }
        guard case .truncated = error else {
            Issue.record("expected .truncated, got \(String(describing: error))")
            return
        }
    }

    // MARK: Counts

    @Test func readCountAcceptsWhatFits() throws {
        // 3 items of at least 2 bytes in 6 remaining bytes.
        var reader = ByteReader(bytes("03" + "000000000000"))
        #expect(try reader.readCount(minimumItemSize: 2) == 3)
        #expect(reader.remaining == 6)
        // A count of zero always fits.
        var empty = ByteReader([0])
        #expect(try empty.readCount(minimumItemSize: 1000) == 0)
    }

    @Test func readCountRefusesWhatCannotFit() {
        var reader = ByteReader(bytes("04" + "0000000000000000"))
        #expect(throws: WireError.truncated(needed: 12, remaining: 8)) { try reader.readCount(minimumItemSize: 3) }
    }

    @Test func readCountRefusesCountOverLimit() {
        var reader = ByteReader(bytes("05" + "0000000000"))
        #expect(throws: WireError.countTooLarge(count: 5, limit: 4)) {
            try reader.readCount(minimumItemSize: 1, limit: 4)
        }
    }

    /// A claimed 2^32 (or 2^63-1, or 2^32-1) items must be refused from the length check alone.
    @Test("Huge claimed counts are refused", arguments: ["ff0000000001000000", "ffffffffffffffff7f", "feffffffff"])
    func hugeCount(hex: String) {
        var reader = ByteReader(bytes(hex) + [UInt8](repeating: 0, count: 200))
        let error = #expect(throws: WireError.self) { try reader.readCount(minimumItemSize: TxInput.encodedSize) }
        guard case .truncated(_, let remaining) = error else {
            Issue.record("expected .truncated, got \(String(describing: error))")
            return
        }
        #expect(remaining == 200)
    }

    /// 2^64 - 1 does not even fit in an Int: refused as over the (default, Int.max) limit.
    @Test func countBeyondIntIsRefused() {
        var reader = ByteReader(bytes("ffffffffffffffffff") + [UInt8](repeating: 0, count: 200))
        #expect(throws: WireError.countTooLarge(count: .max, limit: .max)) {
            try reader.readCount(minimumItemSize: TxInput.encodedSize)
        }
        var tiny = ByteReader(bytes("ffffffffffffffffff"))
        #expect(throws: WireError.self) { try tiny.readCount(minimumItemSize: 0) }
    }

    @Test func transactionClaimingFourBillionInputsIsRefused() {
        // version 1, input count 2^32 (FF + u64), then a few bytes: must fail fast, not try to reserve
        // 2^32 inputs.
        let data = bytes("01000000" + "ff0000000001000000") + [UInt8](repeating: 0, count: 300)
        let error = #expect(throws: WireError.self) { try Transaction(decoding: data) }
        guard case .truncated(let needed, let remaining) = error else {
            Issue.record("expected .truncated, got \(String(describing: error))")
            return
        }
        #expect(remaining == 300)
        #expect(needed == 4_294_967_296 * 132)
    }

    @Test func blockClaimingHugeTransactionCountIsRefused() {
        let data = bytes(Fixtures.headerHex) + bytes("feffffffff") + [UInt8](repeating: 0, count: 500)
        let error = #expect(throws: WireError.self) { try Block(decoding: data) }
        guard case .truncated = error else {
            Issue.record("expected .truncated, got \(String(describing: error))")
            return
        }
    }

    // MARK: Exact decoding

    @Test func trailingBytesRejected() throws {
        let header = bytes(Fixtures.headerHex)
        #expect(throws: WireError.trailingBytes(1)) { try BlockHeader(decoding: header + [0x00]) }
        #expect(throws: WireError.trailingBytes(3)) { try BlockHeader(decoding: header + [1, 2, 3]) }
        let tx = bytes(Fixtures.transactionHex)
        #expect(throws: WireError.trailingBytes(2)) { try Transaction(decoding: tx + [0, 0]) }
        // Without the trailing bytes both decode.
        _ = try BlockHeader(decoding: header)
        _ = try Transaction(decoding: tx)

        let reader = ByteReader([1, 2])
        #expect(throws: WireError.trailingBytes(2)) { try reader.expectEnd() }
    }

    @Test func truncatedObjectsRejected() {
        let header = bytes(Fixtures.headerHex)
        #expect(throws: WireError.truncated(needed: 4, remaining: 3)) {
            try BlockHeader(decoding: Array(header.dropLast()))
        }
        #expect(throws: WireError.truncated(needed: 4, remaining: 0)) { try BlockHeader(decoding: []) }
        let tx = bytes(Fixtures.transactionHex)
        // Every strict prefix of a transaction fails with .truncated, never a crash.
        for length in 0..<tx.count {
            let error = #expect(throws: WireError.self) { try Transaction(decoding: Array(tx[..<length])) }
            guard case .truncated = error else {
                Issue.record("prefix of \(length) bytes: expected .truncated, got \(String(describing: error))")
                continue
            }
        }
    }

    @Test func nonCanonicalCountInsideTransactionRejected() {
        // The fixture with its input count "02" rewritten as "fd0200".
        var tx = bytes(Fixtures.transactionHex)
        tx.replaceSubrange(4..<5, with: [0xFD, 0x02, 0x00])
        #expect(throws: WireError.nonCanonicalCompactSize) { try Transaction(decoding: tx) }
    }

    @Test func errorDescriptionsAreReadable() {
        #expect(WireError.truncated(needed: 4, remaining: 1).description == "truncated: needed 4 bytes, 1 left")
        #expect(WireError.trailingBytes(2).description.contains("2"))
    }
}
