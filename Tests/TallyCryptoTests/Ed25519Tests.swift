import TallyCrypto
import TallyTestSupport
import Testing

/// RFC 8032 section 7.1, TEST 1, TEST 2 and TEST 3 (secret key = 32-byte seed).
struct RFC8032Vector: Sendable, CustomTestStringConvertible {
    let name: String
    let seed: String
    let publicKey: String
    let message: String
    let signature: String
    var testDescription: String { name }

    static let all: [RFC8032Vector] = [
        RFC8032Vector(
            name: "TEST 1",
            seed: "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
            publicKey: "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
            message: "",
            signature: "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
                + "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"),
        RFC8032Vector(
            name: "TEST 2",
            seed: "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
            publicKey: "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
            message: "72",
            signature: "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
                + "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"),
        RFC8032Vector(
            name: "TEST 3",
            seed: "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
            publicKey: "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
            message: "af82",
            signature: "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
                + "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"),
    ]
}

@Suite struct Ed25519Tests {
    @Test("RFC 8032 key derivation, signing and verification", arguments: RFC8032Vector.all)
    func rfc8032(vector: RFC8032Vector) {
        let key = Ed25519.PrivateKey(seed: bytes(vector.seed))
        #expect(key.publicKey == bytes(vector.publicKey))
        #expect(key.seed == bytes(vector.seed))
        let signature = key.sign(bytes(vector.message))
        #expect(signature == bytes(vector.signature))
        #expect(
            Ed25519.verify(
                signature: bytes(vector.signature), message: bytes(vector.message),
                publicKey: bytes(vector.publicKey)))
    }

    @Test("Flipping any bit of message, signature or key breaks verification", arguments: RFC8032Vector.all)
    func tampering(vector: RFC8032Vector) {
        let message = bytes(vector.message)
        let signature = bytes(vector.signature)
        let publicKey = bytes(vector.publicKey)

        // Message: flip a bit of each byte, and also append a byte (TEST 1's message is empty).
        for i in message.indices {
            var m = message
            m[i] ^= 0x01
            #expect(!Ed25519.verify(signature: signature, message: m, publicKey: publicKey))
        }
        #expect(!Ed25519.verify(signature: signature, message: message + [0x00], publicKey: publicKey))

        // Signature: one bit in R, one in S, and the top bit of S.
        for (index, mask) in [(0, UInt8(0x01)), (31, 0x40), (32, 0x01), (50, 0x80), (63, 0x10)] {
            var s = signature
            s[index] ^= mask
            #expect(!Ed25519.verify(signature: s, message: message, publicKey: publicKey), "signature byte \(index)")
        }

        // Public key.
        for (index, mask) in [(0, UInt8(0x01)), (15, 0x20), (30, 0x04)] {
            var k = publicKey
            k[index] ^= mask
            #expect(!Ed25519.verify(signature: signature, message: message, publicKey: k), "key byte \(index)")
        }
    }

    @Test func signatureForOneKeyDoesNotVerifyUnderAnother() {
        let a = RFC8032Vector.all[1]
        let b = RFC8032Vector.all[2]
        #expect(
            !Ed25519.verify(signature: bytes(a.signature), message: bytes(a.message), publicKey: bytes(b.publicKey)))
    }

    @Test func wrongLengthInputsReturnFalse() {
        let v = RFC8032Vector.all[0]
        let signature = bytes(v.signature)
        let publicKey = bytes(v.publicKey)
        let message = bytes(v.message)
        #expect(Ed25519.verify(signature: signature, message: message, publicKey: publicKey))
        #expect(!Ed25519.verify(signature: Array(signature.dropLast()), message: message, publicKey: publicKey))
        #expect(!Ed25519.verify(signature: signature + [0], message: message, publicKey: publicKey))
        #expect(!Ed25519.verify(signature: [], message: message, publicKey: publicKey))
        #expect(!Ed25519.verify(signature: signature, message: message, publicKey: Array(publicKey.dropLast())))
        #expect(!Ed25519.verify(signature: signature, message: message, publicKey: publicKey + [0]))
        #expect(!Ed25519.verify(signature: signature, message: message, publicKey: []))
        // The 64-byte libsodium secret-key form is not a public key.
        #expect(!Ed25519.verify(signature: signature, message: message, publicKey: bytes(v.seed) + publicKey))
    }

    /// TEST 1's signature with S replaced by S + L (L = 2^252 + 27742317777372353535851937790883648493),
    /// computed in Python. A verifier that does not insist on S < L accepts it: it is the malleated twin
    /// of a valid signature, and must be rejected.
    @Test func rejectsNonCanonicalS() {
        let v = RFC8032Vector.all[0]
        let malleated = bytes(
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
                + "4c8c7872aa064e049dbb3013fbf29380d25bf5f0595bbe24655141438e7a101b")
        #expect(Array(malleated[..<32]) == Array(bytes(v.signature)[..<32]))
        #expect(!Ed25519.verify(signature: malleated, message: bytes(v.message), publicKey: bytes(v.publicKey)))
    }

    /// The identity point (encoded 01 00…00) as key and as R, with S = 0, satisfies the verification
    /// equation [S]B = R + [k]A for every message; libsodium rejects small-order points.
    @Test func rejectsSmallOrderKey() {
        let identity: [UInt8] = [0x01] + [UInt8](repeating: 0, count: 31)
        let signature = identity + [UInt8](repeating: 0, count: 32)
        #expect(!Ed25519.verify(signature: signature, message: Array("anything".utf8), publicKey: identity))
        #expect(
            !Ed25519.verify(
                signature: [UInt8](repeating: 0, count: 64), message: [],
                publicKey: [UInt8](repeating: 0, count: 32)))
    }

    @Test func generatedKeysSignAndVerify() {
        let a = Ed25519.PrivateKey.generate()
        let b = Ed25519.PrivateKey.generate()
        #expect(a.publicKey.count == 32)
        #expect(a.seed.count == 32)
        #expect(a.publicKey != b.publicKey)
        // The public key is a function of the seed.
        #expect(Ed25519.PrivateKey(seed: a.seed).publicKey == a.publicKey)
        let message = Array("tally".utf8)
        let signature = a.sign(message)
        #expect(signature.count == 64)
        // Ed25519 is deterministic.
        #expect(a.sign(message) == signature)
        #expect(Ed25519.verify(signature: signature, message: message, publicKey: a.publicKey))
        #expect(!Ed25519.verify(signature: signature, message: message, publicKey: b.publicKey))
    }

    @Test func secureRandom() {
        let x = SecureRandom.bytes(32)
        let y = SecureRandom.bytes(32)
        #expect(x.count == 32)
        #expect(x != y)
        #expect(SecureRandom.bytes(0).isEmpty)
        #expect(SecureRandom.uint64() != SecureRandom.uint64())
    }
}
