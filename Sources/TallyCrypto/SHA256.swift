import COpenSSL

/// SHA-256 through libcrypto's low-level interface, which is several times faster than EVP or the
/// one-shot call for the short inputs a blockchain hashes (headers, transactions, merkle nodes).
public struct SHA256Hasher {
    private var context = SHA256_CTX()

    public init() { SHA256_Init(&context) }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        SHA256_Update(&context, base, bytes.count)
    }

    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    public mutating func update(_ hash: Hash256) {
        hash.withUnsafeWireBytes { update($0) }
    }

    public mutating func finalize() -> Hash256 {
        var digest = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        withUnsafeMutableBytes(of: &digest) { raw in
            _ = SHA256_Final(raw.baseAddress!.assumingMemoryBound(to: UInt8.self), &context)
        }
        return Hash256(
            w0: UInt64(littleEndian: digest.0), w1: UInt64(littleEndian: digest.1),
            w2: UInt64(littleEndian: digest.2), w3: UInt64(littleEndian: digest.3))
    }
}

public enum SHA256 {
    public static func hash(_ bytes: UnsafeRawBufferPointer) -> Hash256 {
        var hasher = SHA256Hasher()
        hasher.update(bytes)
        return hasher.finalize()
    }

    public static func hash(_ bytes: [UInt8]) -> Hash256 {
        bytes.withUnsafeBytes { hash($0) }
    }

    /// SHA-256 applied twice, as Bitcoin hashes headers, transactions and merkle nodes.
    public static func doubleHash(_ bytes: UnsafeRawBufferPointer) -> Hash256 {
        hash(of: hash(bytes))
    }

    public static func doubleHash(_ bytes: [UInt8]) -> Hash256 {
        bytes.withUnsafeBytes { doubleHash($0) }
    }

    /// SHA-256 of a 32-byte hash, the second round of a double hash.
    public static func hash(of first: Hash256) -> Hash256 {
        first.withUnsafeWireBytes { hash($0) }
    }

    /// Double SHA-256 of two hashes side by side: one merkle tree node.
    public static func doubleHash(_ left: Hash256, _ right: Hash256) -> Hash256 {
        var hasher = SHA256Hasher()
        hasher.update(left)
        hasher.update(right)
        return hash(of: hasher.finalize())
    }
}
