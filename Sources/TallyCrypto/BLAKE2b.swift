import CSodium

public enum BLAKE2b {
    /// BLAKE2b with a 20-byte output (unkeyed), the hash that turns a public key into an address.
    public static func hash160(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 20)
        out.withUnsafeMutableBytes { out in bytes.withUnsafeBytes { hash160($0, into: out) } }
        return out
    }

    /// The same into the first 20 bytes of `out`, without an array: an address is hashed for every
    /// input a block or the mempool checks.
    public static func hash160(_ bytes: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) {
        precondition(out.count >= 20)
        _ = crypto_generichash(
            out.baseAddress!.assumingMemoryBound(to: UInt8.self), 20,
            bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt64(bytes.count), nil, 0)
    }
}
