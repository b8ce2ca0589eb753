/// `headers`: consecutive block headers, oldest first, answering `getheaders` (Protocol.md §13.4).
/// Layout, as Bitcoin's: count(entries) ≤ 2,000, each a header (80) followed by a CompactSize
/// transaction count that must be 0.
public struct HeadersMessage: MessagePayload {
    public static let command = "headers"
    public static let maximumCount = 2_000
    /// 3 (CompactSize of 2,000) + 2,000 × 81 = 162,003.
    public static let maximumPayloadSize = 3 + maximumCount * (BlockHeader.size + 1)

    public let headers: [BlockHeader]

    public init(headers: [BlockHeader]) {
        checkCount(headers.count, Self.maximumCount, Self.command)
        self.headers = headers
    }

    public func encode(to writer: inout ByteWriter) {
        writer.writeCompactSize(headers.count)
        for header in headers {
            header.encode(to: &writer)
            writer.writeCompactSize(0)
        }
    }

    public init(from reader: inout ByteReader) throws(WireError) {
        let count = try reader.readCount(minimumItemSize: BlockHeader.size + 1, limit: Self.maximumCount)
        headers = try reader.readItems(count) { (r: inout ByteReader) throws(WireError) in
            let header = try BlockHeader(from: &r)
            let transactions = try r.readCompactSize()
            guard transactions == 0 else { throw .invalidValue("headers entry with transaction count \(transactions)") }
            return header
        }
    }
}
