import TallyCrypto
import TallyTestSupport
import Testing

/// Expected values: Python argon2-cffi (the reference C implementation, independent of libsodium),
/// `argon2.low_level.hash_secret_raw(password, salt, time_cost=t, memory_cost=m_KiB, parallelism=1,
/// hash_len=n, type=Type.ID, version=19).hex()`. libsodium's `crypto_pwhash` is Argon2id v1.3 with one
/// lane and memory in bytes (m_KiB × 1024).
@Suite struct Argon2idTests {
    @Test(
        "Argon2id matches the reference implementation",
        arguments: [
            (
                "70617373776f7264", "736f6d6573616c74736f6d6573616c74", UInt64(1), UInt64(8),
                "05b6ca8f8038b683887ad4916533858b49cb52040126c134f4c6e9d8711b8c09"
            ),
            (
                "70617373776f7264", "000102030405060708090a0b0c0d0e0f", 2, 64,
                "2bbe2822ca56d088d5e1c651ba05092e3af26e02d32fa2b389ccc9cc012a353a8d5ddc4b87b1d88d83de601219029f8c"
            ),
            (
                "636f727265637420686f727365206261747465727920737461706c65", "a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5", 3, 1024,
                "a2d708a1e6249cb9853770b7579b3f2b70383783f0c68efc3d545a7065de8a21"
                    + "c76da4e843b550e8a50912b163795534c5ceaf611911d554ece1169db4bce19b"
            ),
            ("", "00000000000000000000000000000000", 1, 8, "b006c1ede0239691562b55a5d1f152b9"),
        ])
    func reference(password: String, salt: String, passes: UInt64, memoryKiB: UInt64, key: String) throws {
        let out = try Argon2id.deriveKey(
            length: bytes(key).count, password: bytes(password), salt: bytes(salt),
            cost: Argon2id.Cost(opsLimit: passes, memLimit: memoryKiB * 1024))
        #expect(out == bytes(key))
    }

    @Test func badInputsThrow() {
        let salt = [UInt8](repeating: 1, count: 16)
        #expect(throws: CryptoError.invalidLength(what: "Argon2id salt", expected: "16", got: 15)) {
            try Argon2id.deriveKey(length: 32, password: [1], salt: Array(salt.dropLast()), cost: .minimum)
        }
        #expect(throws: CryptoError.self) {  // below libsodium's 16-byte minimum output
            try Argon2id.deriveKey(length: 15, password: [1], salt: salt, cost: .minimum)
        }
        #expect(throws: CryptoError.self) {  // opslimit 0
            try Argon2id.deriveKey(length: 32, password: [1], salt: salt, cost: .init(opsLimit: 0, memLimit: 8192))
        }
        #expect(throws: CryptoError.self) {  // below 8 KiB
            try Argon2id.deriveKey(length: 32, password: [1], salt: salt, cost: .init(opsLimit: 1, memLimit: 8191))
        }
    }

    @Test func namedCostsAreLibsodiumConstants() {
        // crypto_pwhash_argon2id_{OPSLIMIT,MEMLIMIT}_{MODERATE,INTERACTIVE} in sodium 1.0.18's headers.
        #expect(Argon2id.Cost.moderate == .init(opsLimit: 3, memLimit: 268_435_456))
        #expect(Argon2id.Cost.interactive == .init(opsLimit: 2, memLimit: 67_108_864))
        #expect(Argon2id.Cost.minimum == .init(opsLimit: 1, memLimit: 8192))
    }
}
