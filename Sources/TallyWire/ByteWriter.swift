import TallyCrypto

/// Appends values in Tally's wire encoding: little-endian integers and Bitcoin's CompactSize.
public struct ByteWriter {
    public private(set) var bytes: [UInt8]

    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public mutating func write(_ value: UInt8) { bytes.append(value) }

    public mutating func write(_ value: UInt16) { writeLittleEndian(value) }
    public mutating func write(_ value: UInt32) { writeLittleEndian(value) }
    public mutating func write(_ value: UInt64) { writeLittleEndian(value) }
    public mutating func write(_ value: Int32) { writeLittleEndian(value) }
    public mutating func write(_ value: Int64) { writeLittleEndian(value) }

    private mutating func writeLittleEndian<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func write(bytes more: [UInt8]) { bytes.append(contentsOf: more) }

    public mutating func write(bytes more: UnsafeRawBufferPointer) { bytes.append(contentsOf: more) }

    public mutating func write(_ hash: Hash256) {
        hash.withUnsafeWireBytes { bytes.append(contentsOf: $0) }
    }

    public mutating func write(_ address: AddressHash) {
        address.withUnsafeBytes { bytes.append(contentsOf: $0) }
    }

    /// CompactSize: below 0xFD one byte; then 0xFD + UInt16, 0xFE + UInt32, 0xFF + UInt64.
    public mutating func writeCompactSize(_ value: UInt64) {
        switch value {
        case 0..<0xFD: write(UInt8(value))
        case 0xFD...0xFFFF:
            write(UInt8(0xFD))
            write(UInt16(value))
        case 0x1_0000...0xFFFF_FFFF:
            write(UInt8(0xFE))
            write(UInt32(value))
        default:
            write(UInt8(0xFF))
            write(value)
        }
    }

    public mutating func writeCompactSize(_ value: Int) { writeCompactSize(UInt64(value)) }

    /// A CompactSize length followed by the bytes.
    public mutating func writeVarBytes(_ more: [UInt8]) {
        writeCompactSize(more.count)
        write(bytes: more)
    }
}
