/// Proof-of-work targets in Bitcoin's compact ("bits") form, and the work they represent.
public enum Target {
    /// Decodes compact bits: the top byte is a base-256 exponent, the low 23 bits the mantissa and bit
    /// 23 a sign. Returns nil for a negative, zero or overflowing value, which no valid header carries.
    public static func decode(bits: UInt32) -> UInt256? {
        let exponent = Int(bits >> 24)
        let mantissa = UInt64(bits & 0x007f_ffff)
        guard bits & 0x0080_0000 == 0, mantissa != 0 else { return nil }
        if exponent <= 3 {
            let value = mantissa >> UInt64(8 * (3 - exponent))
            return value == 0 ? nil : UInt256(value)
        }
        let shift = 8 * (exponent - 3)
        // The value must fit in 256 bits.
        guard shift + (64 - mantissa.leadingZeroBitCount) <= 256 else { return nil }
        let value = UInt256(mantissa) << shift
        return value.isZero ? nil : value
    }

    /// Encodes a target in compact form, keeping the top 23 bits of its mantissa (truncating).
    public static func encode(_ target: UInt256) -> UInt32 {
        var size = (target.bitWidth + 7) / 8
        var mantissa: UInt64
        if size <= 3 {
            mantissa = target.limbs.0 << UInt64(8 * (3 - size))
        } else {
            mantissa = (target >> (8 * (size - 3))).limbs.0
        }
        if mantissa & 0x0080_0000 != 0 {
            mantissa >>= 8
            size += 1
        }
        return UInt32(size) << 24 | UInt32(mantissa & 0x007f_ffff)
    }

    /// Expected number of hashes to meet the target: 2^256 / (target + 1), computed as
    /// ~target / (target + 1) + 1 so that it fits in 256 bits.
    public static func work(of target: UInt256) -> UInt256 {
        guard target != .max else { return .one }
        return (~target) / (target + .one) + .one
    }
}
