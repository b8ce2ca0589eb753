import TallyCrypto
import TallyTestSupport
import Testing

@Suite struct Hash256Tests {
    static let ascending: [UInt8] = Array(0..<32)

    @Test func bytesRoundTripInWireOrder() {
        let hash = Hash256(bytes: Hash256Tests.ascending)
        #expect(hash.bytes == Hash256Tests.ascending)
        // Byte i is byte i % 8 of word i / 8 (little-endian words).
        #expect(hash.w0 == 0x0706_0504_0302_0100)
        #expect(hash.w1 == 0x0f0e_0d0c_0b0a_0908)
        #expect(hash.w2 == 0x1716_1514_1312_1110)
        #expect(hash.w3 == 0x1f1e_1d1c_1b1a_1918)
        // Built from a slice with a non-zero start index.
        let padded: [UInt8] = [0xAA, 0xBB] + Hash256Tests.ascending
        #expect(Hash256(bytes: padded[2...]) == hash)
        hash.withUnsafeWireBytes { raw in
            #expect(Array(raw) == Hash256Tests.ascending)
        }
    }

    @Test func displayIsByteReversed() {
        let hash = Hash256(bytes: Hash256Tests.ascending)
        #expect(hash.description == "1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100")
        #expect("\(hash)" == "1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100")

        // SHA-256("abc") shown Bitcoin-style: the digest reversed.
        let abc = Hash256(bytes: bytes("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"))
        #expect(abc.description == "ad1500f261ff10b49c7a1796a36103b02322ae5dde404141eacf018fbf1678ba")
    }

    @Test func hexInitRoundTrip() throws {
        let display = "00000038b2afb4af9089be07f509e48125935c4095f3d6fb4be0315c12ee0740"
        let hash = try #require(Hash256(hex: display))
        #expect(hash.description == display)
        // Display form is most significant byte first: the wire bytes are the reverse.
        #expect(hash.bytes == Array(bytes(display).reversed()))
        #expect(hash.bytes[31] == 0x00 && hash.bytes[28] == 0x38 && hash.bytes[0] == 0x40)

        // Upper-case digits are accepted; the display form is lower case.
        let upper = try #require(Hash256(hex: display.uppercased()))
        #expect(upper == hash)
        #expect(upper.description == display)
    }

    @Test(
        "Hash256(hex:) rejects bad input",
        arguments: [
            "",
            "00",
            String(repeating: "0", count: 62),
            String(repeating: "0", count: 63),
            String(repeating: "0", count: 65),
            String(repeating: "0", count: 66),
            String(repeating: "0", count: 63) + "g",
            "0x" + String(repeating: "0", count: 62),
            String(repeating: "0", count: 62) + " 0",
            String(repeating: "é", count: 32),
        ])
    func hexInitRejects(text: String) {
        #expect(Hash256(hex: text) == nil)
    }

    @Test func zero() {
        #expect(Hash256.zero.isZero)
        #expect(Hash256.zero.bytes == [UInt8](repeating: 0, count: 32))
        #expect(Hash256.zero.description == String(repeating: "0", count: 64))
        var oneBit = [UInt8](repeating: 0, count: 32)
        oneBit[17] = 0x10
        #expect(!Hash256(bytes: oneBit).isZero)
    }

    private static func single(_ index: Int, _ value: UInt8) -> Hash256 {
        var raw = [UInt8](repeating: 0, count: 32)
        raw[index] = value
        return Hash256(bytes: raw)
    }

    @Test func orderingTreatsByte31AsMostSignificant() {
        let top = Hash256Tests.single(31, 0x01)
        let bottom = Hash256Tests.single(0, 0xFF)
        #expect(bottom < top)
        #expect(!(top < bottom))

        // Across every word boundary, a higher byte index outweighs any lower one.
        for i in 1..<32 {
            #expect(Hash256Tests.single(i - 1, 0xFF) < Hash256Tests.single(i, 0x01), "byte \(i) vs byte \(i - 1)")
            #expect(!(Hash256Tests.single(i, 0x01) < Hash256Tests.single(i - 1, 0xFF)))
        }
        // Within one byte.
        #expect(Hash256Tests.single(12, 0x7F) < Hash256Tests.single(12, 0x80))
        // Irreflexive.
        #expect(!(top < top))
        #expect(!(Hash256.zero < Hash256.zero))
        #expect(Hash256.zero < bottom)

        // The display form reads as the number: "00..01" is one.
        let one = Hash256(hex: String(repeating: "0", count: 63) + "1")!
        let big = Hash256(hex: "1" + String(repeating: "0", count: 63))!
        #expect(one.bytes[0] == 1)
        #expect(big.bytes[31] == 0x10)
        #expect(one < big)
    }

    @Test func orderingMatchesBigEndianComparisonOfDisplayBytes() {
        // Hashes from Python (sha256 of single bytes 1...7, wire order).
        let hashes = [
            "4bf5122f344554c53bde2ebb8cd2b7e3d1600ad631c385a5d7cce23c7785459a",
            "dbc1b4c900ffe48d575b5da5c638040125f65db0fe3e24494b76ea986457d986",
            "084fed08b978af4d7d196a7446a86b58009e636b611db16211b65a9aadff29c5",
            "e52d9c508c502347344d8c07ad91cbd6068afc75ff6292f062a09ca381c89e71",
            "e77b9a9ae9e30b0dbdb6f510a264ef9de781501d7b6b92ae89eb059c5ab743db",
            "67586e98fad27da0b9968bc039a1ef34c939b9b8e523a8bef89d478608c5ecf6",
            "ca358758f6d27e6cf45272937977a748fd88391db679ceda7dc7bf1f005ee879",
        ].map(bytes)
        for a in hashes {
            for b in hashes {
                let expected = Array(a.reversed()).lexicographicallyPrecedes(Array(b.reversed()))
                #expect((Hash256(bytes: a) < Hash256(bytes: b)) == expected)
            }
        }
        // Their order by byte 31 down: ...9a, ...86, ...c5, ...71, ...db, ...f6, ...79
        let sorted = hashes.map { Hash256(bytes: $0) }.sorted()
        #expect(sorted.map { $0.bytes[31] } == [0x71, 0x79, 0x86, 0x9a, 0xc5, 0xdb, 0xf6])
    }

    @Test func hashableUsesAllBytes() {
        var seen = Set<Hash256>()
        for i in 0..<32 { seen.insert(Hash256Tests.single(i, 1)) }
        #expect(seen.count == 32)
        #expect(seen.contains(Hash256Tests.single(20, 1)))
        #expect(!seen.contains(Hash256Tests.single(20, 2)))
    }
}
