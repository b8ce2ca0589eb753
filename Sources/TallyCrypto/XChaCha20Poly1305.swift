import CSodium

/// The AEAD_XChaCha20_Poly1305 construction (draft-irtf-cfrg-xchacha) through libsodium's
/// `crypto_aead_xchacha20poly1305_ietf_*`: a 32-byte key, a 24-byte nonce that is safe to choose at
/// random, and a 16-byte tag appended to the ciphertext that covers it and the associated data.
public enum XChaCha20Poly1305 {
    public static let keySize = 32
    public static let nonceSize = 24
    public static let tagSize = 16

    /// A fresh random nonce (192 bits: collisions are not a concern).
    public static func randomNonce() -> [UInt8] { SecureRandom.bytes(nonceSize) }

    /// Encrypts `plaintext` and authenticates it together with `associatedData`; returns the
    /// ciphertext followed by the tag (`plaintext.count + 16` bytes).
    public static func seal(
        _ plaintext: [UInt8], key: [UInt8], nonce: [UInt8],
        associatedData: [UInt8] = []
    ) throws(CryptoError) -> [UInt8] {
        try check(key: key, nonce: nonce)
        var out = [UInt8](repeating: 0, count: plaintext.count + tagSize)
        var outLength: UInt64 = 0
        let status = crypto_aead_xchacha20poly1305_ietf_encrypt(
            &out, &outLength, plaintext, UInt64(plaintext.count),
            associatedData, UInt64(associatedData.count), nil, nonce, key)
        guard status == 0, outLength == UInt64(out.count) else {
            throw .libraryFailure("XChaCha20-Poly1305 encryption failed")
        }
        return out
    }

    /// Checks the tag over `sealed` (ciphertext ‖ tag) and `associatedData` and returns the plaintext;
    /// throws `authenticationFailed` when any of them was altered or the key is wrong.
    public static func open(
        _ sealed: [UInt8], key: [UInt8], nonce: [UInt8],
        associatedData: [UInt8] = []
    ) throws(CryptoError) -> [UInt8] {
        try check(key: key, nonce: nonce)
        guard sealed.count >= tagSize else {
            throw .invalidLength(what: "sealed message", expected: "at least 16", got: sealed.count)
        }
        var out = [UInt8](repeating: 0, count: max(sealed.count - tagSize, 1))
        var outLength: UInt64 = 0
        let status = crypto_aead_xchacha20poly1305_ietf_decrypt(
            &out, &outLength, nil, sealed, UInt64(sealed.count),
            associatedData, UInt64(associatedData.count), nonce, key)
        guard status == 0 else { throw .authenticationFailed }
        return Array(out.prefix(Int(outLength)))
    }

    private static func check(key: [UInt8], nonce: [UInt8]) throws(CryptoError) {
        guard sodiumInitialised else { throw .libraryFailure("libsodium failed to initialise") }
        guard key.count == keySize else {
            throw .invalidLength(what: "XChaCha20-Poly1305 key", expected: "32", got: key.count)
        }
        guard nonce.count == nonceSize else {
            throw .invalidLength(what: "XChaCha20-Poly1305 nonce", expected: "24", got: nonce.count)
        }
    }
}
