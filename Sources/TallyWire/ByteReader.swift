import TallyCrypto

/// Reads values in Tally's wire encoding from a byte buffer. Every read checks the remaining length
/// and throws `WireError` instead of trapping.
public struct ByteReader {
    private let bytes: [UInt8]
    public private(set) var offset: Int

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
        offset = 0
    }

    public var remaining: Int { bytes.count - offset }

    /// Lends the bytes already read in `range` (for hashing a value where it lies).
    public func withBytes<R>(_ range: Range<Int>, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        precondition(range.lowerBound >= 0 && range.upperBound <= offset, "only bytes already read")
        return try bytes.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[range])) }
    }

    private mutating func take(_ count: Int) throws(WireError) -> Range<Int> {
        guard count >= 0, count <= remaining else { throw .truncated(needed: count, remaining: remaining) }
        defer { offset += count }
        return offset..<(offset + count)
    }

    public mutating func readUInt8() throws(WireError) -> UInt8 { bytes[try take(1).lowerBound] }
    public mutating func readUInt16() throws(WireError) -> UInt16 { try readLittleEndian() }
    public mutating func readUInt32() throws(WireError) -> UInt32 { try readLittleEndian() }
    public mutating func readUInt64() throws(WireError) -> UInt64 { try readLittleEndian() }
    public mutating func readInt32() throws(WireError) -> Int32 { try readLittleEndian() }
    public mutating func readInt64() throws(WireError) -> Int64 { try readLittleEndian() }

    private mutating func readLittleEndian<T: FixedWidthInteger>() throws(WireError) -> T {
        let range = try take(MemoryLayout<T>.size)
        var value: T = 0
        for i in range.reversed() { value = value << 8 | T(bytes[i]) }
        return value
    }

    public mutating func readBytes(_ count: Int) throws(WireError) -> [UInt8] {
        Array(bytes[try take(count)])
    }

    public mutating func readHash() throws(WireError) -> Hash256 {
        Hash256(bytes: bytes[try take(32)])
    }

    public mutating func readPublicKey() throws(WireError) -> PublicKeyBytes {
        PublicKeyBytes(bytes[try take(PublicKeyBytes.size)])
    }

    public mutating func readSignature() throws(WireError) -> SignatureBytes {
        SignatureBytes(bytes[try take(SignatureBytes.size)])
    }

    public mutating func readAddressHash() throws(WireError) -> AddressHash {
        AddressHash(bytes: bytes[try take(AddressHash.size)])!
    }

    /// Reads a CompactSize, rejecting any encoding that is not the shortest one, so that every value
    /// has exactly one encoding (and every object exactly one hash).
    public mutating func readCompactSize() throws(WireError) -> UInt64 {
        let first = try readUInt8()
        switch first {
        case 0xFD:
            let v = UInt64(try readUInt16())
            guard v >= 0xFD else { throw .nonCanonicalCompactSize }
            return v
        case 0xFE:
            let v = UInt64(try readUInt32())
            guard v > 0xFFFF else { throw .nonCanonicalCompactSize }
            return v
        case 0xFF:
            let v = try readUInt64()
            guard v > 0xFFFF_FFFF else { throw .nonCanonicalCompactSize }
            return v
        default:
            return UInt64(first)
        }
    }

    /// Reads a count of items each at least `minimumItemSize` bytes long, and refuses counts that the
    /// remaining bytes cannot hold, so a lying count never causes a large allocation.
    public mutating func readCount(minimumItemSize: Int, limit: Int = .max) throws(WireError) -> Int {
        let count = try readCompactSize()
        let fits = UInt64(remaining / max(minimumItemSize, 1))
        guard count <= UInt64(limit) else { throw .countTooLarge(count: count, limit: limit) }
        guard count <= fits else {
            throw .truncated(needed: Int(clamping: count) &* minimumItemSize, remaining: remaining)
        }
        return Int(count)
    }

    public mutating func readVarBytes(limit: Int) throws(WireError) -> [UInt8] {
        let count = try readCount(minimumItemSize: 1, limit: limit)
        return try readBytes(count)
    }

    /// Throws unless every byte has been consumed.
    public func expectEnd() throws(WireError) {
        guard remaining == 0 else { throw .trailingBytes(remaining) }
    }
}

/// A value with one canonical byte form.
public protocol WireCodable {
    func encode(to writer: inout ByteWriter)
    init(from reader: inout ByteReader) throws(WireError)
}

extension WireCodable {
    public var encoded: [UInt8] {
        var writer = ByteWriter()
        encode(to: &writer)
        return writer.bytes
    }

    /// Decodes a value that must fill `bytes` exactly.
    public init(decoding bytes: [UInt8]) throws(WireError) {
        var reader = ByteReader(bytes)
        self = try Self(from: &reader)
        try reader.expectEnd()
    }
}
