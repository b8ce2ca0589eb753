/// The node's own limits on unconfirmed transactions: not consensus, so each node may set its own.
public struct MempoolPolicy: Sendable {
    /// Minimum fee, in base units per 1,000 bytes (1 unit per byte).
    public var minimumFeeRate: UInt64 = 1_000
    /// The mempool's size bound in serialized bytes; past it, the lowest fee rates leave.
    public var maximumBytes: Int = 64 << 20
    /// Largest transaction relayed.
    public var maximumTransactionSize: Int = 100_000
    /// Smallest output amount relayed; smaller outputs cost more to spend than they are worth.
    public var dustLimit: UInt64 = 1_000
    /// Transactions waiting for their parents, in all.
    public var maximumOrphans: Int = 100
    /// Of those, how many one peer (or the node's own API) may have sent: a quarter, so that at
    /// least four announcers share the pool.
    public var maximumOrphansPerPeer: Int = 25
    /// Seconds an orphan transaction waits for its parents.
    public var orphanLifetime: UInt32 = 20 * 60

    public init() {}
}
