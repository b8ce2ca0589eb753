import TallyCrypto

/// Decodes a hex literal written in a test. The literals come from Python (hashlib, cryptography) or
/// from published test vectors, never from the code under test. Traps on a typo in the literal.
func bytes(_ hex: String) -> [UInt8] {
    var out: [UInt8] = []
    var chars = Array(hex.utf8)[...]
    precondition(chars.count % 2 == 0, "odd hex literal in a test")
    func nibble(_ c: UInt8) -> UInt8 {
        switch c {
        case 48...57: c - 48
        case 97...102: c - 87
        case 65...70: c - 55
        default: preconditionFailure("bad hex literal in a test")
        }
    }
    while let hi = chars.popFirst(), let lo = chars.popFirst() { out.append(nibble(hi) << 4 | nibble(lo)) }
    return out
}

/// A hash from 32 bytes given in wire order.
func wireHash(_ hex: String) -> Hash256 { Hash256(bytes: bytes(hex)) }
