import TallyCrypto
import TallyTestSupport
import Testing

/// Expected digests: FIPS 180-2 / NIST examples ("abc", empty, the 448-bit message), cross-checked with
/// Python's hashlib; double hashes computed with hashlib.sha256(hashlib.sha256(m).digest()).
@Suite struct SHA256Tests {
    static let abc = Array("abc".utf8)
    static let msg448 = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
    /// bytes(i % 251 for i in range(1000))
    static let long: [UInt8] = (0..<1000).map { UInt8($0 % 251) }
    static let longDigest = "4e4c294b331f7a2099a379bec34b9f9fc03dc46ab465d998f4d683da53487e6d"

    @Test(
        "SHA-256 NIST vectors",
        arguments: [
            ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            (
                "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
                "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
            ),
        ])
    func nistVectors(message: String, digest: String) {
        let hash = SHA256.hash(Array(message.utf8))
        // The wire bytes are the raw digest, in the order SHA-256 produces them.
        #expect(hash.bytes == bytes(digest))
        // The display form is the digest reversed.
        #expect(hash.description == Hex.encode(bytes(digest).reversed()))
    }

    @Test(
        "Double SHA-256 vectors",
        arguments: [
            ("abc", "4f8b42c22dd3729b519ba6f68d2da7cc5b2d606d05daed5ad5128cc03e6c6358"),
            ("", "5df6e0e2761359d30a8275058e299fcc0381534545f55cf43e41983f5d4c9456"),
            (
                "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
                "0cffe17f68954dac3a84fb1458bd5ec99209449749b2b308b7cb55812f9563af"
            ),
        ])
    func doubleHashVectors(message: String, digest: String) {
        let input = Array(message.utf8)
        #expect(SHA256.doubleHash(input).bytes == bytes(digest))
        input.withUnsafeBytes { raw in
            #expect(SHA256.doubleHash(raw).bytes == bytes(digest))
        }
        // hash(of:) is the second round on its own.
        #expect(SHA256.hash(of: SHA256.hash(input)).bytes == bytes(digest))
    }

    @Test func rawBufferAndArrayAgree() {
        SHA256Tests.abc.withUnsafeBytes { raw in
            #expect(SHA256.hash(raw).bytes == bytes("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"))
        }
        #expect(SHA256.hash(SHA256Tests.long).bytes == bytes(SHA256Tests.longDigest))
    }

    @Test("Incremental hashing equals one-shot hashing", arguments: [0, 1, 55, 56, 63, 64, 65, 500, 999, 1000])
    func incrementalEqualsOneShot(split: Int) {
        var hasher = SHA256Hasher()
        hasher.update(Array(SHA256Tests.long[..<split]))
        hasher.update(Array(SHA256Tests.long[split...]))
        let incremental = hasher.finalize()
        #expect(incremental.bytes == bytes(SHA256Tests.longDigest))
        #expect(incremental == SHA256.hash(SHA256Tests.long))
    }

    @Test func incrementalByteByByte() {
        var hasher = SHA256Hasher()
        for b in SHA256Tests.msg448 { hasher.update([b]) }
        #expect(hasher.finalize().bytes == bytes("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"))
    }

    @Test func emptyUpdatesChangeNothing() {
        var hasher = SHA256Hasher()
        hasher.update([])
        hasher.update(SHA256Tests.abc)
        hasher.update([])
        [UInt8]().withUnsafeBytes { hasher.update($0) }
        #expect(hasher.finalize().bytes == bytes("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"))
    }

    /// Merkle node: SHA256d(left ‖ right) with both hashes in wire order. Python:
    /// sha256d(sha256(b'\x01') + sha256(b'\x02')).
    @Test func doubleHashOfTwoHashes() {
        let left = wireHash("4bf5122f344554c53bde2ebb8cd2b7e3d1600ad631c385a5d7cce23c7785459a")
        let right = wireHash("dbc1b4c900ffe48d575b5da5c638040125f65db0fe3e24494b76ea986457d986")
        let expected = bytes("a6f7360e5436faa138234de64eae2fbb0a9df17689f363a55abf07fb455b8469")
        #expect(SHA256.doubleHash(left, right).bytes == expected)
        #expect(SHA256.doubleHash(right, left).bytes != expected)

        var hasher = SHA256Hasher()
        hasher.update(left)
        hasher.update(right)
        #expect(SHA256.hash(of: hasher.finalize()).bytes == expected)
    }

    @Test func leavesAreSHA256OfSingleBytes() {
        // Python: hashlib.sha256(bytes([1])).hexdigest()
        #expect(SHA256.hash([0x01]).bytes == bytes("4bf5122f344554c53bde2ebb8cd2b7e3d1600ad631c385a5d7cce23c7785459a"))
        #expect(SHA256.hash([0x07]).bytes == bytes("ca358758f6d27e6cf45272937977a748fd88391db679ceda7dc7bf1f005ee879"))
    }
}
