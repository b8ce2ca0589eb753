import TallyCrypto
import TallyTestSupport
import Testing

@testable import TallyWire

@Suite struct BlockHeaderTests {
    @Test func encodesTo80ExactBytes() throws {
        let encoded = Fixtures.header.encoded
        try #require(encoded.count == 80)
        #expect(BlockHeader.size == 80)
        #expect(encoded == bytes(Fixtures.headerHex))
        // Field offsets from Protocol.md §2.
        #expect(Array(encoded[0..<4]) == [0x01, 0x00, 0x00, 0x20])
        #expect(Array(encoded[4..<36]) == Array(UInt8(0x00)..<0x20))
        #expect(Array(encoded[36..<68]) == Array(UInt8(0x20)..<0x40))
        #expect(Array(encoded[68..<72]) == bytes("7bf15365"))
        #expect(Array(encoded[72..<76]) == bytes("ffff001d"))
        #expect(Array(encoded[76..<80]) == bytes("efbeadde"))
    }

    @Test func decodeRoundTrip() throws {
        let decoded = try BlockHeader(decoding: bytes(Fixtures.headerHex))
        #expect(decoded == Fixtures.header)
        #expect(decoded.version == 0x2000_0001)
        #expect(decoded.previousBlockHash.bytes == Array(UInt8(0x00)..<0x20))
        #expect(decoded.merkleRoot.bytes == Array(UInt8(0x20)..<0x40))
        #expect(decoded.time == 1_700_000_123)
        #expect(decoded.bits == 0x1d00_ffff)
        #expect(decoded.nonce == 0xdead_beef)
        #expect(decoded.encoded == bytes(Fixtures.headerHex))
    }

    @Test func hashIsDoubleSHA256OfTheBytes() {
        let hash = Fixtures.header.hash
        #expect(hash.bytes == bytes(Fixtures.headerHashWire))
        #expect(hash.description == Fixtures.headerHashDisplay)
        #expect(hash == SHA256.doubleHash(bytes(Fixtures.headerHex)))
    }

    @Test func everyFieldChangesTheHash() {
        let base = Fixtures.header
        var variants: [BlockHeader] = []
        var h = base
        h.version += 1
        variants.append(h)
        h = base
        h.previousBlockHash = .zero
        variants.append(h)
        h = base
        h.merkleRoot = .zero
        variants.append(h)
        h = base
        h.time += 1
        variants.append(h)
        h = base
        h.bits = 0x207f_ffff
        variants.append(h)
        h = base
        h.nonce &+= 1
        variants.append(h)
        let hashes = Set(variants.map(\.hash) + [base.hash])
        #expect(hashes.count == variants.count + 1)
    }
}
