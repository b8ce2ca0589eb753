import Foundation
import TallyCrypto

/// Headers-first block sync (btcd's netsync, in small): what each peer is known to have, which
/// blocks of the best header chain are asked of whom within a bounded window, and which peers lose
/// their requests for stalling or for saying they lack a block. Pure bookkeeping, keyed by peer id.
public struct BlockSync: Sendable {
    struct PeerState: Sendable {
        var bestHeight: UInt32
        /// Set when it failed to deliver requested blocks in time: no block requests until then.
        var stallingUntil: Date?
        /// Blocks it answered `notfound` for: never asked of it again. Bounded.
        var lacking = Set<Hash256>()
        /// `headers` messages whose first header's parent we did not know, since its last progress.
        var unconnectedHeaders = 0
        /// Its chain with less work than ours, being counted (nil: none).
        var presync: HeaderPresync?
    }

    public static let maximumLackingBlocks = 50_000
    /// Hosts whose low-work headers are remembered; past it the memory starts again.
    public static let maximumLowWorkHosts = 1_024
    /// How long a stalling peer is asked for no blocks.
    public static let stallPenalty: TimeInterval = 60
    /// `headers` messages that do not connect, each answered with a `getheaders`, before a peer that
    /// makes no progress (`peer(_:reached:)`) is charged: an honest peer announcing blocks we have
    /// not heard of sends one, then connects once it has our locator; a few more may cross our
    /// `getheaders` on the wire.
    public static let unconnectedHeadersAllowance = 8
    public let lowWorkHeaderAllowance: Int
    private var downloads: BlockDownloads<Int>
    private var peers: [Int: PeerState] = [:]
    /// Headers of chains with less work than ours each host sent since it was last penalised: by
    /// host, so that reconnecting does not start the count again.
    private var lowWorkHeaders: [String: Int] = [:]
    /// A scheduling round is under way (its look-up of the missing blocks runs off the loop).
    public private(set) var roundPending = false
    /// Blocks that arrived and are being processed, and those whose processing ended while a round
    /// was pending: the round's look-up may predate their storing, and must not ask for them again
    /// (a second copy costs a download, and a compact one a stalled request). Bounded by the blocks
    /// the node processes in one round.
    private var processing = Set<Hash256>()
    private var processedDuringRound = Set<Hash256>()

    public init(stallTimeout: TimeInterval, lowWorkHeaderAllowance: Int) {
        downloads = BlockDownloads(stallTimeout: stallTimeout)
        self.lowWorkHeaderAllowance = lowWorkHeaderAllowance
    }

    public var inFlightCount: Int { downloads.inFlightCount }

    /// Whether a new round would ask anything: a round after every block costs as much as the
    /// block; one when the peer's window has half emptied keeps it full at a fraction of the cost.
    public func wantsRound(after peer: Int) -> Bool {
        downloads.requests(of: peer) <= downloads.perPeer / 2 || downloads.inFlightCount <= downloads.total / 2
    }

    /// The blocks a round needs to look at: those in flight are among them, and the free slots.
    public var roundLimit: Int { downloads.total * 2 }

    public mutating func add(_ peer: Int, bestHeight: UInt32) { peers[peer] = PeerState(bestHeight: bestHeight) }

    /// The peer left; the headers of a chain it was having counted count as low-work ones of its host
    /// (leaving does not make them free).
    public mutating func remove(_ peer: Int, host: String) {
        if let presync = peers[peer]?.presync, !presync.isRedownloading {
            lowWorkHeaders[host] = lowWorkTotal(adding: presync.headerCount, from: host)
        }
        peers[peer] = nil
        downloads.release(peer)
    }

    public func bestHeight(of peer: Int) -> UInt32 { peers[peer]?.bestHeight ?? 0 }

    /// The peer has (at least) the block at `height`. Above what it was known to have, that is
    /// progress: its count of `headers` that did not connect starts again. Headers it already
    /// showed are not (resending them must not buy more free `getheaders`).
    public mutating func peer(_ peer: Int, reached height: UInt32) {
        guard let current = peers[peer]?.bestHeight, height > current else { return }
        peers[peer]?.bestHeight = height
        peers[peer]?.unconnectedHeaders = 0
    }

    /// A block arrived and goes to the chain; whether it was asked for. `blockProcessed` follows.
    public mutating func blockArrived(_ hash: Hash256) -> Bool {
        processing.insert(hash)
        return downloads.received(hash) != nil
    }

    /// The chain is done with a block that arrived: stored, or refused.
    public mutating func blockProcessed(_ hash: Hash256) {
        processing.remove(hash)
        if roundPending { processedDuringRound.insert(hash) }
    }

    /// A request of `peer` ends without its block (a compact answer for a block we have by now, or
    /// whose header failed): released for the next round.
    public mutating func requestEnded(_ hash: Hash256, of peer: Int) { downloads.release(hash, of: peer) }

    public func isInFlight(_ hash: Hash256) -> Bool { downloads.isInFlight(hash) }

    /// A block being rebuilt from `peer`'s compact block (or asked of it whole after one) counts
    /// as asked of it: nobody else is asked meanwhile, and a peer that never completes it stalls.
    public mutating func rebuilding(_ hash: Hash256, from peer: Int, now: Date = Date()) {
        downloads.assign(hash, to: peer, now: now)
    }

    /// The peer lacks these blocks (its chain is another): released at once for others, and never
    /// asked of it again.
    public mutating func notFound(_ hashes: [Hash256], from peer: Int) {
        for hash in hashes {
            if peers[peer]?.lacking.count ?? 0 >= BlockSync.maximumLackingBlocks {
                peers[peer]?.lacking.removeAll(keepingCapacity: true)
            }
            peers[peer]?.lacking.insert(hash)
            downloads.notFound(hash, from: peer)
        }
    }

    /// Peers with a request older than the stall timeout: their requests go to others and they are
    /// asked for nothing for a while.
    public mutating func stalledPeers(now: Date = Date()) -> [Int] {
        let stalled = downloads.stalledPeers(now: now)
        for peer in stalled { peers[peer]?.stallingUntil = now.addingTimeInterval(BlockSync.stallPenalty) }
        return stalled
    }

    /// Counts headers of a chain with less work than ours; true when the host has sent more than the
    /// allowance since its last penalty (and the count starts again).
    public mutating func countLowWorkHeaders(_ count: Int, from host: String) -> Bool {
        let total = lowWorkTotal(adding: count, from: host)
        let exceeded = total > lowWorkHeaderAllowance
        lowWorkHeaders[host] = exceeded ? 0 : total
        return exceeded
    }

    /// A `headers` message from `peer` did not connect. True within the allowance: ask for the chain
    /// that leads to it. False past it: the peer is charged, and not answered, so each further
    /// message costs us no more than reading it.
    public mutating func headersDidNotConnect(from peer: Int) -> Bool {
        guard var state = peers[peer] else { return false }
        state.unconnectedHeaders += 1
        peers[peer] = state
        return state.unconnectedHeaders <= BlockSync.unconnectedHeadersAllowance
    }

    private mutating func lowWorkTotal(adding count: Int, from host: String) -> Int {
        if lowWorkHeaders[host] == nil && lowWorkHeaders.count >= BlockSync.maximumLowWorkHosts {
            lowWorkHeaders.removeAll(keepingCapacity: true)
        }
        return lowWorkHeaders[host, default: 0] + count
    }

    /// The peer's chain being counted, if any.
    public func presync(of peer: Int) -> HeaderPresync? { peers[peer]?.presync }

    public mutating func setPresync(_ presync: HeaderPresync?, of peer: Int) {
        guard peers[peer] != nil else { return }
        peers[peer]?.presync = presync
    }

    /// Starts a scheduling round; false if one is already under way.
    public mutating func beginRound() -> Bool {
        guard !roundPending else { return false }
        roundPending = true
        return true
    }

    /// Ends the round begun by `beginRound`: fills the download window of `ready` peers (lowest
    /// ids first) with `missing` blocks (lowest first) each can serve, except blocks that arrived
    /// meanwhile. Stalling peers are asked only when no other peer is ready: waiting out the penalty
    /// helps nobody when there is no one else to ask. Returns the requests to send.
    public mutating func finishRound(
        missing: [(hash: Hash256, height: UInt32)], ready: [Int], now: Date = Date()
    ) -> [Int: [Hash256]] {
        roundPending = false
        let arrived = processedDuringRound.union(processing)
        processedDuringRound.removeAll()
        let wanted = missing.filter { !arrived.contains($0.hash) }
        guard !wanted.isEmpty else { return [:] }
        let known = ready.sorted().filter { peers[$0] != nil }
        let notStalling = known.filter { peers[$0]?.stallingUntil.map { $0 < now } ?? true }
        let available = (notStalling.isEmpty ? known : notStalling).map { ($0, bestHeight(of: $0)) }
        let states = peers
        return downloads.schedule(wanted: wanted, peers: available, now: now) { id, hash in
            states[id]?.lacking.contains(hash) == false
        }
    }
}
