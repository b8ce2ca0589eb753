import TallyCrypto

/// An unsigned 256-bit integer, just wide enough for targets and chain work. Four 64-bit limbs,
/// least significant first. Arithmetic that would overflow traps, as Swift's integers do.
public struct UInt256: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var limbs: (UInt64, UInt64, UInt64, UInt64)

    public init(_ l0: UInt64, _ l1: UInt64 = 0, _ l2: UInt64 = 0, _ l3: UInt64 = 0) { limbs = (l0, l1, l2, l3) }

    public static let zero = UInt256(0)
    public static let one = UInt256(1)
    public static let max = UInt256(.max, .max, .max, .max)

    /// A hash read as a number (its byte 31 most significant), as targets are compared with hashes.
    public init(_ hash: Hash256) { self.init(hash.w0, hash.w1, hash.w2, hash.w3) }

    /// 32 bytes, most significant first: sortable as a blob.
    public init?(bigEndian bytes: [UInt8]) {
        guard bytes.count == 32 else { return nil }
        var l = [UInt64](repeating: 0, count: 4)
        for (i, b) in bytes.enumerated() { l[3 - i / 8] = l[3 - i / 8] << 8 | UInt64(b) }
        self.init(l[0], l[1], l[2], l[3])
    }

    public var bigEndianBytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(32)
        for limb in [limbs.3, limbs.2, limbs.1, limbs.0] {
            for shift in stride(from: 56, through: 0, by: -8) {
                out.append(UInt8(truncatingIfNeeded: limb >> UInt64(shift)))
            }
        }
        return out
    }

    subscript(i: Int) -> UInt64 {
        get {
            switch i {
            case 0: limbs.0
            case 1: limbs.1
            case 2: limbs.2
            default: limbs.3
            }
        }
        set {
            switch i {
            case 0: limbs.0 = newValue
            case 1: limbs.1 = newValue
            case 2: limbs.2 = newValue
            default: limbs.3 = newValue
            }
        }
    }

    public var isZero: Bool { (limbs.0 | limbs.1 | limbs.2 | limbs.3) == 0 }

    /// Number of significant bits.
    public var bitWidth: Int {
        for i in stride(from: 3, through: 0, by: -1) where self[i] != 0 {
            return i * 64 + 64 - self[i].leadingZeroBitCount
        }
        return 0
    }

    public static func == (a: UInt256, b: UInt256) -> Bool {
        a.limbs.0 == b.limbs.0 && a.limbs.1 == b.limbs.1 && a.limbs.2 == b.limbs.2 && a.limbs.3 == b.limbs.3
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(limbs.0)
        hasher.combine(limbs.1)
        hasher.combine(limbs.2)
        hasher.combine(limbs.3)
    }

    public static func < (a: UInt256, b: UInt256) -> Bool {
        for i in stride(from: 3, through: 0, by: -1) where a[i] != b[i] { return a[i] < b[i] }
        return false
    }

    public static func + (a: UInt256, b: UInt256) -> UInt256 {
        var r = UInt256.zero
        var carry: UInt64 = 0
        for i in 0..<4 {
            let (s1, o1) = a[i].addingReportingOverflow(b[i])
            let (s2, o2) = s1.addingReportingOverflow(carry)
            r[i] = s2
            carry = (o1 ? 1 : 0) + (o2 ? 1 : 0)
        }
        precondition(carry == 0, "UInt256 addition overflow")
        return r
    }

    public static func - (a: UInt256, b: UInt256) -> UInt256 {
        var r = UInt256.zero
        var borrow: UInt64 = 0
        for i in 0..<4 {
            let (d1, o1) = a[i].subtractingReportingOverflow(b[i])
            let (d2, o2) = d1.subtractingReportingOverflow(borrow)
            r[i] = d2
            borrow = (o1 ? 1 : 0) + (o2 ? 1 : 0)
        }
        precondition(borrow == 0, "UInt256 subtraction underflow")
        return r
    }

    /// Multiplies by a 64-bit value; nil if the product does not fit in 256 bits.
    public func multipliedReportingOverflow(by m: UInt64) -> UInt256? {
        var r = UInt256.zero
        var carry: UInt64 = 0
        for i in 0..<4 {
            let (high, low) = self[i].multipliedFullWidth(by: m)
            let (sum, overflow) = low.addingReportingOverflow(carry)
            r[i] = sum
            carry = high &+ (overflow ? 1 : 0)
        }
        return carry == 0 ? r : nil
    }

    public static func << (a: UInt256, shift: Int) -> UInt256 {
        guard shift > 0 else { return shift == 0 ? a : a >> -shift }
        guard shift < 256 else { return .zero }
        var r = UInt256.zero
        let limbShift = shift / 64
        let bitShift = shift % 64
        for i in stride(from: 3, through: limbShift, by: -1) {
            var v = a[i - limbShift] << UInt64(bitShift)
            if bitShift > 0, i - limbShift - 1 >= 0 { v |= a[i - limbShift - 1] >> UInt64(64 - bitShift) }
            r[i] = v
        }
        return r
    }

    public static func >> (a: UInt256, shift: Int) -> UInt256 {
        guard shift > 0 else { return shift == 0 ? a : a << -shift }
        guard shift < 256 else { return .zero }
        var r = UInt256.zero
        let limbShift = shift / 64
        let bitShift = shift % 64
        for i in 0..<(4 - limbShift) {
            var v = a[i + limbShift] >> UInt64(bitShift)
            if bitShift > 0, i + limbShift + 1 < 4 { v |= a[i + limbShift + 1] << UInt64(64 - bitShift) }
            r[i] = v
        }
        return r
    }

    public static prefix func ~ (a: UInt256) -> UInt256 { UInt256(~a.limbs.0, ~a.limbs.1, ~a.limbs.2, ~a.limbs.3) }

    /// Quotient and remainder by shift-and-subtract; used once per block, never in a hot loop.
    public func quotientAndRemainder(dividingBy d: UInt256) -> (quotient: UInt256, remainder: UInt256) {
        precondition(!d.isZero, "UInt256 division by zero")
        if self < d { return (.zero, self) }
        var quotient = UInt256.zero
        var remainder = self
        let shift = bitWidth - d.bitWidth
        var divisor = d << shift
        for s in stride(from: shift, through: 0, by: -1) {
            if !(remainder < divisor) {
                remainder = remainder - divisor
                quotient[s / 64] |= 1 << UInt64(s % 64)
            }
            divisor = divisor >> 1
        }
        return (quotient, remainder)
    }

    public static func / (a: UInt256, b: UInt256) -> UInt256 { a.quotientAndRemainder(dividingBy: b).quotient }

    /// Hexadecimal, most significant digit first, without leading zeros.
    public var description: String {
        let hex = Hex.encode(bigEndianBytes)
        let trimmed = hex.drop { $0 == "0" }
        return trimmed.isEmpty ? "0" : String(trimmed)
    }
}
