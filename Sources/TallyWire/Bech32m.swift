/// Bech32m (BIP-350) encoding of a human-readable prefix and 5-bit data.
public enum Bech32m {
    private static let charset = Array("qpzry9x8gf2tvdw0s3jn54khce6mua7l".utf8)
    private static let checksumConstant: UInt32 = 0x2bc8_30a3
    public static let maximumLength = 90

    public enum DecodingError: Error, Equatable, Sendable {
        case invalidLength, mixedCase, invalidCharacter, missingSeparator, invalidChecksum, invalidPadding
    }

    private static func polymod(_ values: [UInt8]) -> UInt32 {
        let generator: [UInt32] = [0x3b6a_57b2, 0x2650_8e6d, 0x1ea1_19fa, 0x3d42_33dd, 0x2a14_62b3]
        var chk: UInt32 = 1
        for v in values {
            let top = chk >> 25
            chk = (chk & 0x1ff_ffff) << 5 ^ UInt32(v)
            for i in 0..<5 where (top >> UInt32(i)) & 1 == 1 { chk ^= generator[i] }
        }
        return chk
    }

    private static func expand(_ hrp: [UInt8]) -> [UInt8] {
        hrp.map { $0 >> 5 } + [0] + hrp.map { $0 & 31 }
    }

    public static func encode(hrp: String, data: [UInt8]) -> String {
        let prefix = Array(hrp.lowercased().utf8)
        let mod = polymod(expand(prefix) + data + [0, 0, 0, 0, 0, 0]) ^ checksumConstant
        let checksum = (0..<6).map { UInt8((mod >> (5 * (5 - UInt32($0)))) & 31) }
        return hrp.lowercased() + "1" + String(decoding: (data + checksum).map { charset[Int($0)] }, as: UTF8.self)
    }

    /// Returns the prefix (lowercase) and the 5-bit data without the checksum.
    public static func decode(_ text: String) throws(DecodingError) -> (hrp: String, data: [UInt8]) {
        let chars = Array(text.utf8)
        guard chars.count <= maximumLength else { throw .invalidLength }
        guard chars.allSatisfy({ $0 >= 33 && $0 <= 126 }) else { throw .invalidCharacter }
        let hasLower = chars.contains { $0 >= 97 && $0 <= 122 }
        let hasUpper = chars.contains { $0 >= 65 && $0 <= 90 }
        guard !(hasLower && hasUpper) else { throw .mixedCase }
        let lower = chars.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }
        guard let separator = lower.lastIndex(of: UInt8(ascii: "1")) else { throw .missingSeparator }
        guard separator >= 1, lower.count - separator - 1 >= 6 else { throw .invalidLength }
        let hrp = Array(lower[..<separator])
        var data: [UInt8] = []
        for c in lower[(separator + 1)...] {
            guard let v = charset.firstIndex(of: c) else { throw .invalidCharacter }
            data.append(UInt8(v))
        }
        guard polymod(expand(hrp) + data) == checksumConstant else { throw .invalidChecksum }
        return (String(decoding: hrp, as: UTF8.self), Array(data.dropLast(6)))
    }

    /// Regroups bits, e.g. 8-bit bytes to 5-bit symbols (`pad` true) or back (`pad` false, where
    /// leftover bits must be zero and fewer than `from`).
    public static func convertBits(_ data: [UInt8], from: Int, to: Int, pad: Bool) throws(DecodingError) -> [UInt8] {
        var acc = 0
        var bits = 0
        var out: [UInt8] = []
        let maxValue = (1 << to) - 1
        for value in data {
            guard Int(value) >> from == 0 else { throw .invalidCharacter }
            acc = (acc << from) | Int(value)
            bits += from
            while bits >= to {
                bits -= to
                out.append(UInt8((acc >> bits) & maxValue))
            }
        }
        if pad {
            if bits > 0 { out.append(UInt8((acc << (to - bits)) & maxValue)) }
        } else if bits >= from || (acc << (to - bits)) & maxValue != 0 {
            throw .invalidPadding
        }
        return out
    }
}
