import TallyCrypto
import TallyTestSupport
import Testing

/// Expected values: the SipHash paper (Aumasson and Bernstein, "SipHash: a fast short-input PRF",
/// appendix A) and the reference implementation's `vectors.h`, whose 64 outputs are for key bytes
/// 00…0f and the messages 00…(n−1) of every length n below 64.
@Suite struct SipHashTests {
    /// Key bytes 00 01 … 0f: k0 = bytes 0–7 little-endian, k1 = bytes 8–15.
    static let key = SipHash.Key(k0: 0x0706_0504_0302_0100, k1: 0x0f0e_0d0c_0b0a_0908)

    @Test func paperVector() {
        // Appendix A: the 15-byte message 00…0e gives a129ca6149be45e5, written out as the bytes
        // e5 45 be 49 61 ca 29 a1 (vectors.h, message length 15).
        let hash = SipHash.hash(Array(0..<15), key: SipHashTests.key)
        #expect(hash == 0xa129_ca61_49be_45e5)
        #expect(withUnsafeBytes(of: hash.littleEndian, Array.init) == bytes("e545be4961ca29a1"))
    }

    @Test(
        "reference vectors.h",
        arguments: [
            (0, "310e0edd47db6f72"), (1, "fd67dc93c539f874"), (7, "37d1018bf50002ab"), (8, "6224939a79f5f593"),
            (31, "42c341d8fa92d832"), (32, "ce7cf2722f512771"), (63, "724506eb4c328a95"),
        ])
    func referenceVectors(length: Int, output: String) {
        let hash = SipHash.hash((0..<length).map { UInt8($0) }, key: SipHashTests.key)
        #expect(withUnsafeBytes(of: hash.littleEndian, Array.init) == bytes(output))
    }

    @Test func aHashOfAHash256HashesItsWireBytes() {
        let value = Hash256(bytes: (0..<32).map { UInt8($0) })
        #expect(SipHash.hash(value, key: SipHashTests.key) == SipHash.hash(value.bytes, key: SipHashTests.key))
        #expect(SipHash.hash(value, key: SipHashTests.key) != SipHash.hash(value, key: SipHash.Key(k0: 1, k1: 0)))
    }
}
