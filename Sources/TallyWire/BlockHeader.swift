import TallyCrypto

/// The 80-byte block header, laid out as Bitcoin's.
public struct BlockHeader: Hashable, Sendable, WireCodable {
    public static let size = 80

    public var version: UInt32
    public var previousBlockHash: Hash256
    public var merkleRoot: Hash256
    public var time: UInt32
    /// The target in Bitcoin's compact form.
    public var bits: UInt32
    public var nonce: UInt32

    public init(
        version: UInt32, previousBlockHash: Hash256, merkleRoot: Hash256, time: UInt32, bits: UInt32, nonce: UInt32
    ) {
        self.version = version
        self.previousBlockHash = previousBlockHash
        self.merkleRoot = merkleRoot
        self.time = time
        self.bits = bits
        self.nonce = nonce
    }

    public func encode(to writer: inout ByteWriter) {
        writer.write(version)
        writer.write(previousBlockHash)
        writer.write(merkleRoot)
        writer.write(time)
        writer.write(bits)
        writer.write(nonce)
    }

    public init(from reader: inout ByteReader) throws(WireError) {
        version = try reader.readUInt32()
        previousBlockHash = try reader.readHash()
        merkleRoot = try reader.readHash()
        time = try reader.readUInt32()
        bits = try reader.readUInt32()
        nonce = try reader.readUInt32()
    }

    /// SHA-256(SHA-256(header)).
    public var hash: Hash256 {
        var writer = ByteWriter(capacity: BlockHeader.size)
        encode(to: &writer)
        return SHA256.doubleHash(writer.bytes)
    }
}
