/// A 256-bit hash, kept as four little-endian 64-bit words so that it is cheap to copy, compare and
/// use as a dictionary key. Byte `i` of the hash is byte `i % 8` of word `i / 8`.
///
/// Hashes are shown to people the way Bitcoin shows them: as a 256-bit number, most significant byte
/// first, which is the reverse of the byte order on the wire.
public struct Hash256: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

    public static let zero = Hash256(w0: 0, w1: 0, w2: 0, w3: 0)

    public init(w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64) {
        self.w0 = w0
        self.w1 = w1
        self.w2 = w2
        self.w3 = w3
    }

    /// Builds a hash from exactly 32 bytes in wire order.
    public init<C: Collection>(bytes: C) where C.Element == UInt8 {
        precondition(bytes.count == 32, "a Hash256 is 32 bytes")
        self = bytes.withContiguousRawBytes(Hash256.init(raw:))
    }

    private init(raw: UnsafeRawBufferPointer) {
        self.init(
            w0: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
            w1: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)),
            w2: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self)),
            w3: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self)))
    }

    /// Parses the display form (64 hex digits, most significant byte first).
    public init?(hex: String) {
        guard let raw = Hex.decode(hex), raw.count == 32 else { return nil }
        self.init(bytes: raw.reversed())
    }

    /// The 32 bytes in wire order.
    public var bytes: [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        withUnsafeWireBytes { src in out.withUnsafeMutableBytes { $0.copyMemory(from: src) } }
        return out
    }

    public func withUnsafeWireBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var words = (w0.littleEndian, w1.littleEndian, w2.littleEndian, w3.littleEndian)
        return try withUnsafeBytes(of: &words) { try body($0) }
    }

    public var isZero: Bool { (w0 | w1 | w2 | w3) == 0 }

    /// Display form: 64 hex digits, most significant byte first.
    public var description: String { Hex.encode(bytes.reversed()) }

    /// The four words folded into one before hashing: they are already uniformly random (a hash),
    /// and a dictionary keyed by txids or outpoints — most of a block's connection — then hashes 8
    /// bytes, not 32. Equality still compares all four.
    public var folded: UInt64 { w0 ^ w1 ^ w2 ^ w3 }

    public func hash(into hasher: inout Hasher) { hasher.combine(folded) }

    /// Orders hashes as 256-bit numbers (byte 31 most significant), the order in which a block hash
    /// is compared with its target.
    public static func < (lhs: Hash256, rhs: Hash256) -> Bool {
        if lhs.w3 != rhs.w3 { return lhs.w3 < rhs.w3 }
        if lhs.w2 != rhs.w2 { return lhs.w2 < rhs.w2 }
        if lhs.w1 != rhs.w1 { return lhs.w1 < rhs.w1 }
        return lhs.w0 < rhs.w0
    }
}
