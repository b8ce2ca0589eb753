import CSodium

/// SipHash-2-4 (Aumasson and Bernstein, 2012), a keyed 64-bit hash, through libsodium's
/// `crypto_shorthash_siphash24`. Compact blocks key it afresh for each message to make the 6-byte
/// short ids of transactions (Protocol.md §13.10): whoever does not know the key cannot craft
/// transactions whose short ids collide.
public enum SipHash {
    /// A 128-bit key as two 64-bit words, each read little-endian from the key's bytes: `k0` from bytes
    /// 0–7, `k1` from bytes 8–15 (the paper's and BIP 152's convention).
    public struct Key: Hashable, Sendable {
        public let k0: UInt64
        public let k1: UInt64

        public init(k0: UInt64, k1: UInt64) {
            self.k0 = k0
            self.k1 = k1
        }
    }

    /// The hash of `bytes` as the paper writes it: libsodium's 8 output bytes read little-endian.
    public static func hash(_ bytes: UnsafeRawBufferPointer, key: Key) -> UInt64 {
        var output: UInt64 = 0
        withUnsafeBytes(of: (key.k0.littleEndian, key.k1.littleEndian)) { keyBytes in
            withUnsafeMutableBytes(of: &output) { out in
                _ = crypto_shorthash_siphash24(
                    out.baseAddress!.assumingMemoryBound(to: UInt8.self),
                    bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt64(bytes.count),
                    keyBytes.baseAddress!.assumingMemoryBound(to: UInt8.self))
            }
        }
        return UInt64(littleEndian: output)
    }

    public static func hash(_ bytes: [UInt8], key: Key) -> UInt64 {
        bytes.withUnsafeBytes { hash($0, key: key) }
    }

    /// The hash of a 256-bit hash's 32 wire bytes (a wtxid, for a short id).
    public static func hash(_ value: Hash256, key: Key) -> UInt64 {
        value.withUnsafeWireBytes { hash($0, key: key) }
    }
}
