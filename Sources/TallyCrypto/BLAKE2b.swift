import CSodium

public enum BLAKE2b {
    /// BLAKE2b with a 20-byte output (unkeyed), the hash that turns a public key into an address.
    public static func hash160(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 20)
        _ = crypto_generichash(&out, 20, bytes, UInt64(bytes.count), nil, 0)
        return out
    }
}
