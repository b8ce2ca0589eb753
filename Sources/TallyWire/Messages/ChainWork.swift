import TallyCrypto

/// A chain's work (Protocol.md §2) as it travels in `status` and in the discovery announcement: 32
/// bytes, big-endian (most significant first). `TallyChain.UInt256(bigEndian:)` and
/// `.bigEndianBytes` convert.
public struct ChainWork: Hashable, Sendable, Comparable, CustomStringConvertible {
    public static let size = 32
    public static let zero = ChainWork(bigEndianBytes: [UInt8](repeating: 0, count: 32))!

    public let bigEndianBytes: [UInt8]

    public init?(bigEndianBytes: [UInt8]) {
        guard bigEndianBytes.count == ChainWork.size else { return nil }
        self.bigEndianBytes = bigEndianBytes
    }

    /// Compares as 256-bit numbers.
    public static func < (lhs: ChainWork, rhs: ChainWork) -> Bool {
        lhs.bigEndianBytes.lexicographicallyPrecedes(rhs.bigEndianBytes)
    }

    /// 64 hex digits, most significant first.
    public var description: String { Hex.encode(bigEndianBytes) }
}

extension ByteReader {
    mutating func readChainWork() throws(WireError) -> ChainWork {
        ChainWork(bigEndianBytes: try readBytes(ChainWork.size))!
    }
}

extension ByteWriter {
    mutating func write(_ work: ChainWork) { write(bytes: work.bigEndianBytes) }
}
