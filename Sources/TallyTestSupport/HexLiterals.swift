import TallyCrypto

/// Decodes a hex literal written in a test. The literals come from Python (hashlib, cryptography, a
/// throwaway encoder written from Protocol.md) or from published test vectors, never from the code
/// under test. Traps on a typo in the literal.
public func bytes(_ hex: String) -> [UInt8] {
    guard let decoded = Hex.decode(hex) else { preconditionFailure("bad hex literal in a test: \(hex)") }
    return decoded
}

/// A hash from 32 bytes given in wire order.
public func wireHash(_ hex: String) -> Hash256 { Hash256(bytes: bytes(hex)) }
