import TallyCrypto

/// `status` (Tally's own, for `tally-probe`): a node's view of itself, answering `getstatus`
/// (Protocol.md §13.4).
public struct StatusMessage: MessagePayload {
    public static let command = "status"
    public static let maximumPeerCount = 1_000
    /// 102 fixed bytes + 3 (CompactSize of 1,000) + 1,000 × 286 = 286,105.
    public static let maximumPayloadSize = 102 + 3 + maximumPeerCount * Peer.maximumEncodedSize

    /// One connected peer: network address (18) | inbound bool | user agent (var string ≤ 256) |
    /// start height `i32` | ban score `u32`.
    public struct Peer: Hashable, Sendable, WireCodable {
        /// 18 + 1 + (3 + 256) + 4 + 4 = 286.
        public static let maximumEncodedSize =
            NetworkAddress.encodedSize + 1 + 3 + VersionMessage.maximumUserAgentLength + 8
        static let minimumEncodedSize = NetworkAddress.encodedSize + 1 + 1 + 8

        public let address: NetworkAddress
        public let inbound: Bool
        public let userAgent: String
        public let startHeight: Int32
        public let banScore: UInt32

        /// Traps if `userAgent` is longer than 256 bytes.
        public init(address: NetworkAddress, inbound: Bool, userAgent: String, startHeight: Int32, banScore: UInt32) {
            precondition(
                userAgent.utf8.count <= VersionMessage.maximumUserAgentLength, "user agent longer than 256 bytes")
            self.address = address
            self.inbound = inbound
            self.userAgent = userAgent
            self.startHeight = startHeight
            self.banScore = banScore
        }

        public func encode(to writer: inout ByteWriter) {
            address.encode(to: &writer)
            writer.write(inbound)
            writer.writeVarString(userAgent)
            writer.write(startHeight)
            writer.write(banScore)
        }

        public init(from reader: inout ByteReader) throws(WireError) {
            address = try NetworkAddress(from: &reader)
            inbound = try reader.readBool()
            userAgent = try reader.readVarString(maximumLength: VersionMessage.maximumUserAgentLength)
            startHeight = try reader.readInt32()
            banScore = try reader.readUInt32()
        }
    }

    /// The height of the active chain's tip.
    public let height: UInt32
    public let tipHash: Hash256
    /// The tip's chain work.
    public let chainWork: ChainWork
    /// The height of the best header known with valid proof of work.
    public let bestHeaderHeight: UInt32
    public let mempoolTransactionCount: UInt32
    /// The serialized size of the mempool's transactions.
    public let mempoolBytes: UInt64
    public let mining: Bool
    /// Hashes per second of the node's miners (0 when not mining).
    public let hashRate: UInt64
    /// Whether the node is still downloading the chain.
    public let syncing: Bool
    /// Seconds since the node started.
    public let uptime: UInt64
    public let peers: [Peer]

    /// Traps if `peers` holds more than 1,000 entries.
    public init(
        height: UInt32, tipHash: Hash256, chainWork: ChainWork, bestHeaderHeight: UInt32,
        mempoolTransactionCount: UInt32, mempoolBytes: UInt64, mining: Bool, hashRate: UInt64,
        syncing: Bool, uptime: UInt64, peers: [Peer]
    ) {
        checkCount(peers.count, Self.maximumPeerCount, Self.command)
        self.height = height
        self.tipHash = tipHash
        self.chainWork = chainWork
        self.bestHeaderHeight = bestHeaderHeight
        self.mempoolTransactionCount = mempoolTransactionCount
        self.mempoolBytes = mempoolBytes
        self.mining = mining
        self.hashRate = hashRate
        self.syncing = syncing
        self.uptime = uptime
        self.peers = peers
    }

    public func encode(to writer: inout ByteWriter) {
        writer.write(height)
        writer.write(tipHash)
        writer.write(chainWork)
        writer.write(bestHeaderHeight)
        writer.write(mempoolTransactionCount)
        writer.write(mempoolBytes)
        writer.write(mining)
        writer.write(hashRate)
        writer.write(syncing)
        writer.write(uptime)
        writer.writeCompactSize(peers.count)
        for peer in peers { peer.encode(to: &writer) }
    }

    public init(from reader: inout ByteReader) throws(WireError) {
        height = try reader.readUInt32()
        tipHash = try reader.readHash()
        chainWork = try reader.readChainWork()
        bestHeaderHeight = try reader.readUInt32()
        mempoolTransactionCount = try reader.readUInt32()
        mempoolBytes = try reader.readUInt64()
        mining = try reader.readBool()
        hashRate = try reader.readUInt64()
        syncing = try reader.readBool()
        uptime = try reader.readUInt64()
        let count = try reader.readCount(minimumItemSize: Peer.minimumEncodedSize, limit: Self.maximumPeerCount)
        peers = try reader.readItems(count) { (r: inout ByteReader) throws(WireError) in try Peer(from: &r) }
    }
}
