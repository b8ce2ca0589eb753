/// `sendcmpct`: how the sender wants new blocks from us once compact blocks are spoken (Protocol.md
/// §13.10, BIP 152). Layout: announce bool | compact version `u64` (9 bytes).
public struct SendCompactMessage: MessagePayload {
    public static let command = "sendcmpct"
    public static let maximumPayloadSize = 9
    /// Tally's only compact version; a `sendcmpct` with another decodes and is ignored, so that a
    /// later version can add its own.
    public static let currentVersion: UInt64 = 1

    /// true: send new blocks as `cmpctblock` without waiting to be asked (BIP 152's high bandwidth);
    /// false: announce them as usual, the peer fetches them with `getdata` type 4.
    public let announce: Bool
    public let version: UInt64

    public init(announce: Bool, version: UInt64 = SendCompactMessage.currentVersion) {
        self.announce = announce
        self.version = version
    }

    public func encode(to writer: inout ByteWriter) {
        writer.write(announce)
        writer.write(version)
    }

    public init(from reader: inout ByteReader) throws(WireError) {
        announce = try reader.readBool()
        version = try reader.readUInt64()
    }
}
