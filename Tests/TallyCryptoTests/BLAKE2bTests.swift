import TallyCrypto
import TallyTestSupport
import Testing

/// Expected values: Python `hashlib.blake2b(m, digest_size=20).hexdigest()` (unkeyed BLAKE2b whose
/// parameter block says 20 bytes, which is not a truncation of BLAKE2b-512).
@Suite struct BLAKE2bTests {
    @Test(
        "BLAKE2b-160 matches hashlib",
        arguments: [
            ("", "3345524abf6bbe1809449224b5972c41790b6cf2"),
            ("616263", "384264f676f39536840523f284921cdc68b6846b"),
            (
                "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
                "b1b133b99f516e6c82ceda892ef5af50fa4b4e71"
            ),
        ])
    func hash160(input: String, digest: String) {
        let out = BLAKE2b.hash160(bytes(input))
        #expect(out.count == 20)
        #expect(out == bytes(digest))
    }

    @Test func notATruncatedBLAKE2b512() {
        // hashlib.blake2b(b'abc').hexdigest()[:40] (the 64-byte digest, truncated) differs.
        #expect(BLAKE2b.hash160(Array("abc".utf8)) != bytes("ba80a53f981c4d0d6a2797b69f12f6e94c212f14"))
    }
}
