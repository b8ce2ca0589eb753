import TallyChain
import TallyCrypto
import TallyMempool
import TallyWire

/// What the network layer needs of the node. Implementations are thread-safe and may block (they
/// take the node's lock); the network calls them from its work queue, never from its event loop.
public protocol NodeServices: AnyObject, Sendable {
    func summary() -> ChainSummary
    func locator() -> [Hash256]
    /// A peer's `headers`, stored if they lead to at least the tip's work or `workProven` (they are
    /// a chain counted before, in `countHeaders`, to more work than the tip).
    func acceptHeaders(_ headers: [BlockHeader], workProven: Bool) -> HeadersOutcome
    /// The header of a block that came with it, checked as `acceptHeaders` would (without
    /// `workProven`) but not stored: it is stored with its block.
    func checkHeader(_ header: BlockHeader) -> HeadersOutcome
    /// Checks a run of headers that follows `previous` (not stored: a chain being counted) and
    /// returns the work it proves, with the tip's work now.
    func countHeaders(_ headers: [BlockHeader], following previous: Hash256) -> HeaderCount
    /// Blocks of the best header chain not stored yet, lowest first.
    func missingBlocks(limit: Int) -> [(hash: Hash256, height: UInt32)]
    /// A block from a peer, with its bytes as they arrived; one it was not asked for is taken only
    /// if it leads to at least the tip's work (or its header was announced). `checked`: what the
    /// network checked of it already (its merkle root; transactions rebuilt from the mempool).
    func submitBlock(_ block: Block, encoded: [UInt8], requested: Bool, checked: BlockChecks.Done) -> BlockOutcome
    /// Transactions from peers (each with the identifier of the peer that sent it), in the order
    /// they arrived: their signatures are checked together on every core, then each is offered to
    /// the mempool; one outcome per transaction.
    func submitTransactions(_ batch: [(peer: Int, tx: Transaction)]) -> [TransactionOutcome]
    func headers(after locator: [Hash256], stop: Hash256, limit: Int) -> [BlockHeader]
    func blockHashes(after locator: [Hash256], stop: Hash256, limit: Int) -> [Hash256]
    func block(_ hash: Hash256) -> Block?
    /// Whether the block's transactions are stored (not only its header).
    func hasBlock(_ hash: Hash256) -> Bool
    /// `reconstruction` with the mempool's transactions matched to its short ids.
    func fillFromMempool(_ reconstruction: BlockReconstruction) -> BlockReconstruction
    func transaction(_ txid: Hash256) -> Transaction?
    func mempoolTransactionIDs() -> [Hash256]
    /// Of announced blocks and transactions, those not known here (a header known valid or not, a
    /// transaction in the mempool or confirmed): what is worth asking for.
    func unknown(blocks: [Hash256], transactions: [Hash256]) -> (blocks: [Hash256], transactions: [Hash256])
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

    public init(
        height: UInt32, tipHash: Hash256, chainWork: ChainWork, bestHeaderHeight: UInt32, syncing: Bool,
        mempoolCount: Int, mempoolBytes: Int, mining: Bool, hashRate: UInt64, uptime: UInt64
    ) {
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

/// The chain's verdict on a peer's `headers`. Rule violations stay typed until the network decides
/// what they cost the peer; the node's own failures are a case of their own, which costs nobody.
/// A run of headers checked without being stored.
public enum HeaderCount: Sendable {
    case work(UInt256, tipWork: UInt256)
    /// The headers do not follow one another (or the one they were to follow).
    case unlinked
    /// A header fails R1 or R5.
    case invalid(RuleViolation)
}

public enum HeadersOutcome: Sendable {
    /// Accepted (or already known); the height of the last one.
    case accepted(lastHeight: UInt32)
    /// Leads to less work than the tip (`chainWork` at the last header): not stored.
    case lowWork(chainWork: UInt256)
    /// The first header's parent is unknown: ask for the chain that leads to it.
    case missingParent
    /// The headers do not follow one another.
    case unlinked
    /// A header breaks a consensus rule.
    case invalid(RuleViolation)
    /// A header already found invalid.
    case knownInvalid(Hash256)
    /// A header breaks a rule that does not condemn it (R4: too far ahead of our clock, which may
    /// differ from the peer's): it is not stored, may be taken later, and costs the peer nothing.
    /// The headers before it in the message are stored.
    case rejected(RuleViolation)
    /// The node could not do its part (its store failed): nobody's fault but its own.
    case nodeFailure
}

public enum BlockOutcome: Sendable {
    case accepted
    case duplicate
    case orphan(missing: Hash256)
    /// Not asked for, and not leading to as much work as the tip: dropped unprocessed.
    case unwanted
    /// Breaks a rule that condemns the block.
    case invalid(RuleViolation)
    /// A block (or a descendant of one) already found invalid.
    case knownInvalid(Hash256)
    /// Not taken, through no provable fault of the sender (too far in the future, damaged in
    /// transit): the rule it broke does not condemn the block.
    case rejected(RuleViolation)
    /// The node could not do its part (its store failed): nobody's fault but its own.
    case nodeFailure
}

public enum TransactionOutcome: Sendable {
    /// Accepted, with any orphans it unblocked (txids, the transaction first).
    case accepted([Hash256])
    case known
    case orphan(missing: [Hash256])
    /// Breaks a consensus rule.
    case invalid(RuleViolation)
    /// Against policy or in conflict: not the sender's fault, but answered with `reject` (the
    /// error's `rejectCode`).
    case rejected(MempoolError)
}
