/// `addr`: addresses of peers, answering `getaddr` or announcing (Protocol.md §13.4). Layout, as
/// Bitcoin's: count(entries) ≤ 1,000, each time `u32` | services `u64` | network address (18).
public struct AddrMessage: MessagePayload {
    public static let command = "addr"
    public static let maximumCount = 1_000
    /// 3 (CompactSize of 1,000) + 1,000 × 30 = 30,003.
    public static let maximumPayloadSize = 3 + maximumCount * Entry.encodedSize

    public struct Entry: Hashable, Sendable, WireCodable {
        public static let encodedSize = 4 + 8 + NetworkAddress.encodedSize

        /// When the address was last seen, Unix seconds.
        public let time: UInt32
        public let services: ServiceFlags
        public let address: NetworkAddress

        public init(time: UInt32, services: ServiceFlags, address: NetworkAddress) {
            self.time = time
            self.services = services
            self.address = address
        }

        public func encode(to writer: inout ByteWriter) {
            writer.write(time)
            writer.write(services.rawValue)
            address.encode(to: &writer)
        }

        public init(from reader: inout ByteReader) throws(WireError) {
            time = try reader.readUInt32()
            services = ServiceFlags(rawValue: try reader.readUInt64())
            address = try NetworkAddress(from: &reader)
        }
    }

    public let entries: [Entry]

    public init(entries: [Entry]) {
        checkCount(entries.count, Self.maximumCount, Self.command)
        self.entries = entries
    }

    public func encode(to writer: inout ByteWriter) {
        writer.writeCompactSize(entries.count)
        for entry in entries { entry.encode(to: &writer) }
    }

    public init(from reader: inout ByteReader) throws(WireError) {
        let count = try reader.readCount(minimumItemSize: Entry.encodedSize, limit: Self.maximumCount)
        entries = try reader.readItems(count) { (r: inout ByteReader) throws(WireError) in try Entry(from: &r) }
    }
}
