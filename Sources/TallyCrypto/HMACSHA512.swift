import COpenSSL

/// HMAC-SHA512 (RFC 2104 with SHA-512; test vectors in RFC 4231) through libcrypto: the function
/// SLIP-0010 derives keys with, and the PRF of the PBKDF2 that turns a mnemonic into a seed.
public enum HMACSHA512 {
    public static let outputSize = 64

    /// The 64-byte MAC of `message` under `key` (any length; longer than 128 bytes is hashed first).
    public static func authenticate(_ message: [UInt8], key: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard key.count <= Int(Int32.max) else { throw .invalidParameter("HMAC key longer than 2^31 bytes") }
        var out = [UInt8](repeating: 0, count: outputSize)
        var length: UInt32 = 0
        // A zero-length key or message still needs a valid pointer; a one-byte buffer stands in.
        let keyBytes = key.isEmpty ? [0] : key
        let messageBytes = message.isEmpty ? [0] : message
        let result = HMAC(EVP_sha512(), keyBytes, Int32(key.count), messageBytes, message.count, &out, &length)
        guard result != nil, length == outputSize else { throw .libraryFailure("libcrypto HMAC-SHA512 failed") }
        return out
    }
}
