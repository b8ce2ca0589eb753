import TallyCrypto

/// An input's public key (32 bytes) kept inline, not in an array: every input of every transaction
/// holds one, and an array is a heap allocation each — made when a transaction is decoded, freed
/// when it leaves the mempool, retained and released on every copy of the input.
public struct PublicKeyBytes: Hashable, Sendable {
    public static let size = 32
    private let w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

    public init<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        precondition(bytes.count == Self.size, "a public key is 32 bytes")
        self = bytes.withContiguousRawBytes(PublicKeyBytes.init(raw:))
    }

    /// The words are kept as loaded (host order), so storing them back gives the bytes as read.
    fileprivate init(raw: UnsafeRawBufferPointer) {
        w0 = raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self)
        w1 = raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
        w2 = raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self)
        w3 = raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self)
    }

    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var words = (w0, w1, w2, w3)
        return try Swift.withUnsafeBytes(of: &words, body)
    }
}

/// An input's Ed25519 signature (64 bytes) kept inline, for the same reason: two halves of 32.
public struct SignatureBytes: Hashable, Sendable {
    public static let size = 64
    private let low: PublicKeyBytes, high: PublicKeyBytes

    public static let zero = SignatureBytes([UInt8](repeating: 0, count: size))

    public init<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        precondition(bytes.count == Self.size, "a signature is 64 bytes")
        self = bytes.withContiguousRawBytes(SignatureBytes.init(raw:))
    }

    private init(raw: UnsafeRawBufferPointer) {
        low = PublicKeyBytes(raw: UnsafeRawBufferPointer(rebasing: raw[..<32]))
        high = PublicKeyBytes(raw: UnsafeRawBufferPointer(rebasing: raw[32...]))
    }

    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var halves = (low, high)
        return try Swift.withUnsafeBytes(of: &halves, body)
    }
}
