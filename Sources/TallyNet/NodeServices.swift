import TallyCrypto
import TallyWire

/// What the network layer needs of the node. Implementations are thread-safe and may block (they
/// take the node's single-writer queue); the network calls them off its event loop.
public protocol NodeServices: AnyObject, Sendable {
    func summary() -> ChainSummary
    func locator() -> [Hash256]
    /// A peer's `headers`; `keepLowWork` when the message was full (the peer has more to send).
    func acceptHeaders(_ headers: [BlockHeader], keepLowWork: Bool) -> HeadersOutcome
    /// Blocks of the best header chain not stored yet, lowest first.
    func missingBlocks(limit: Int) -> [(hash: Hash256, height: UInt32)]
    /// A block from a peer; one it was not asked for is taken only if it leads to at least the
    /// tip's work (or its header was announced).
    func submitBlock(_ block: Block, requested: Bool) -> BlockOutcome
    func submitTransaction(_ tx: Transaction) -> TransactionOutcome
    func headers(after locator: [Hash256], stop: Hash256, limit: Int) -> [BlockHeader]
    func blockHashes(after locator: [Hash256], stop: Hash256, limit: Int) -> [Hash256]
    func block(_ hash: Hash256) -> Block?
    func transaction(_ txid: Hash256) -> Transaction?
    func mempoolTransactionIDs() -> [Hash256]
    /// Whether the header is known (valid or not): no need to ask for it.
    func knowsBlock(_ hash: Hash256) -> Bool
    func knowsTransaction(_ txid: Hash256) -> Bool
}

/// The node's state as peers and the probe see it.
public struct ChainSummary: Sendable {
    public var height: UInt32
    public var tipHash: Hash256
    public var chainWork: ChainWork
    public var bestHeaderHeight: UInt32
    public var syncing: Bool
    public var mempoolCount: Int
    public var mempoolBytes: Int
    public var mining: Bool
    public var hashRate: UInt64
    public var uptime: UInt64

    public init(height: UInt32, tipHash: Hash256, chainWork: ChainWork, bestHeaderHeight: UInt32, syncing: Bool,
                mempoolCount: Int, mempoolBytes: Int, mining: Bool, hashRate: UInt64, uptime: UInt64) {
        self.height = height
        self.tipHash = tipHash
        self.chainWork = chainWork
        self.bestHeaderHeight = bestHeaderHeight
        self.syncing = syncing
        self.mempoolCount = mempoolCount
        self.mempoolBytes = mempoolBytes
        self.mining = mining
        self.hashRate = hashRate
        self.uptime = uptime
    }
}

public enum HeadersOutcome: Sendable {
    /// Accepted (or already known); the height of the last one, and whether its chain has less work
    /// than the tip (stored only because the peer has more to send).
    case accepted(lastHeight: UInt32, lowWork: Bool)
    /// Leads to less work than the tip: not stored.
    case lowWork
    /// The first header's parent is unknown: ask for the chain that leads to it.
    case missingParent
    /// The headers do not follow one another.
    case unlinked
    /// A header breaks a consensus rule: the sender is penalised.
    case invalid(String)
}

public enum BlockOutcome: Sendable {
    case accepted
    case duplicate
    case orphan(missing: Hash256)
    /// Not asked for, and not leading to as much work as the tip: dropped unprocessed.
    case unwanted
    /// Breaks a rule that condemns the block: the sender is penalised.
    case invalid(String)
    /// Not taken, through no provable fault of the sender (too far in the future, damaged in transit).
    case rejected(String)
}

public enum TransactionOutcome: Sendable {
    /// Accepted, with any orphans it unblocked (txids, the transaction first).
    case accepted([Hash256])
    case known
    case orphan(missing: [Hash256])
    /// Breaks a consensus rule: the sender is penalised.
    case invalid(String)
    /// Against policy or in conflict: not the sender's fault, but answered with `reject` and this code.
    case rejected(RejectCode, String)
}
