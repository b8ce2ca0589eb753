import COpenSSL

/// PBKDF2 (RFC 8018) with HMAC-SHA512 as its PRF, through libcrypto's `PKCS5_PBKDF2_HMAC`: what
/// BIP-39 turns a mnemonic and its passphrase into a 64-byte seed with.
public enum PBKDF2 {
    public static func hmacSHA512(
        password: [UInt8], salt: [UInt8], iterations: Int,
        keyLength: Int
    ) throws(CryptoError) -> [UInt8] {
        guard iterations >= 1, iterations <= Int(Int32.max) else {
            throw .invalidParameter("PBKDF2 iterations must be 1…2^31-1, got \(iterations)")
        }
        guard keyLength >= 1, keyLength <= 1 << 20 else {
            throw .invalidParameter("PBKDF2 key length must be 1…1048576 bytes, got \(keyLength)")
        }
        guard password.count <= Int(Int32.max), salt.count <= Int(Int32.max) else {
            throw .invalidParameter("PBKDF2 password or salt longer than 2^31 bytes")
        }
        var out = [UInt8](repeating: 0, count: keyLength)
        // A zero-length password or salt still needs a valid pointer; a one-byte buffer stands in.
        let passwordChars = (password.isEmpty ? [0] : password).map { CChar(bitPattern: $0) }
        let saltBytes = salt.isEmpty ? [0] : salt
        let ok = PKCS5_PBKDF2_HMAC(
            passwordChars, Int32(password.count), saltBytes, Int32(salt.count),
            Int32(iterations), EVP_sha512(), Int32(keyLength), &out)
        guard ok == 1 else { throw .libraryFailure("libcrypto PKCS5_PBKDF2_HMAC failed") }
        return out
    }
}
