import TallyCrypto
import TallyTestSupport
import Testing

/// draft-irtf-cfrg-xchacha-03, appendix A.3.1 (AEAD_XCHACHA20_POLY1305).
@Suite struct XChaCha20Poly1305Tests {
    static let plaintext =
        "4c616469657320616e642047656e746c656d656e206f662074686520636c6173"
        + "73206f66202739393a204966204920636f756c64206f6666657220796f75206f"
        + "6e6c79206f6e652074697020666f7220746865206675747572652c2073756e73"
        + "637265656e20776f756c642062652069742e"
    static let aad = "50515253c0c1c2c3c4c5c6c7"
    static let key = "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
    static let nonce = "404142434445464748494a4b4c4d4e4f5051525354555657"
    static let ciphertext =
        "bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb"
        + "731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b452"
        + "2f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff9"
        + "21f9664c97637da9768812f615c68b13b52e"
    static let tag = "c0875924c1c7987947deafd8780acf49"

    @Test func draftVectorSeal() throws {
        let sealed = try XChaCha20Poly1305.seal(
            bytes(Self.plaintext), key: bytes(Self.key), nonce: bytes(Self.nonce),
            associatedData: bytes(Self.aad))
        #expect(sealed == bytes(Self.ciphertext + Self.tag))
    }

    @Test func draftVectorOpen() throws {
        let opened = try XChaCha20Poly1305.open(
            bytes(Self.ciphertext + Self.tag), key: bytes(Self.key),
            nonce: bytes(Self.nonce), associatedData: bytes(Self.aad))
        #expect(opened == bytes(Self.plaintext))
    }

    @Test func roundTripWithRandomKeyAndNonce() throws {
        let key = SecureRandom.bytes(32)
        let nonce = XChaCha20Poly1305.randomNonce()
        for message in [[], [0x42], Array("a wallet secret".utf8), [UInt8](repeating: 7, count: 1000)] as [[UInt8]] {
            let sealed = try XChaCha20Poly1305.seal(message, key: key, nonce: nonce, associatedData: [1, 2, 3])
            #expect(sealed.count == message.count + 16)
            #expect(try XChaCha20Poly1305.open(sealed, key: key, nonce: nonce, associatedData: [1, 2, 3]) == message)
        }
    }

    @Test func tamperingIsDetected() throws {
        let sealed = bytes(Self.ciphertext + Self.tag)
        let key = bytes(Self.key)
        let nonce = bytes(Self.nonce)
        let aad = bytes(Self.aad)
        for index in [0, 57, 113, 114, 129] {  // ciphertext bytes, first and last tag bytes
            var altered = sealed
            altered[index] ^= 0x01
            #expect(throws: CryptoError.authenticationFailed) {
                try XChaCha20Poly1305.open(altered, key: key, nonce: nonce, associatedData: aad)
            }
        }
        var otherAAD = aad
        otherAAD[0] ^= 0x80
        #expect(throws: CryptoError.authenticationFailed) {
            try XChaCha20Poly1305.open(sealed, key: key, nonce: nonce, associatedData: otherAAD)
        }
        #expect(throws: CryptoError.authenticationFailed) {
            try XChaCha20Poly1305.open(sealed, key: key, nonce: nonce, associatedData: [])
        }
        var otherKey = key
        otherKey[31] ^= 0x01
        #expect(throws: CryptoError.authenticationFailed) {
            try XChaCha20Poly1305.open(sealed, key: otherKey, nonce: nonce, associatedData: aad)
        }
        var otherNonce = nonce
        otherNonce[23] ^= 0x01
        #expect(throws: CryptoError.authenticationFailed) {
            try XChaCha20Poly1305.open(sealed, key: key, nonce: otherNonce, associatedData: aad)
        }
        #expect(throws: CryptoError.authenticationFailed) {
            try XChaCha20Poly1305.open(Array(sealed.dropLast()), key: key, nonce: nonce, associatedData: aad)
        }
    }

    @Test func badSizesThrowInsteadOfTrapping() {
        let key = bytes(Self.key)
        let nonce = bytes(Self.nonce)
        #expect(throws: CryptoError.invalidLength(what: "XChaCha20-Poly1305 key", expected: "32", got: 31)) {
            try XChaCha20Poly1305.seal([1], key: Array(key.dropLast()), nonce: nonce)
        }
        #expect(throws: CryptoError.invalidLength(what: "XChaCha20-Poly1305 nonce", expected: "24", got: 12)) {
            try XChaCha20Poly1305.open([UInt8](repeating: 0, count: 32), key: key, nonce: Array(nonce.prefix(12)))
        }
        #expect(throws: CryptoError.invalidLength(what: "sealed message", expected: "at least 16", got: 15)) {
            try XChaCha20Poly1305.open([UInt8](repeating: 0, count: 15), key: key, nonce: nonce)
        }
    }
}
