import Foundation
import TallyCrypto
import TallyWire

/// What each peer is told and sent (Core's relay in net_processing, in small): the inventory it
/// has or was told of, so nothing is announced twice; transaction announcements batched per peer;
/// the budget of inventory entries it may announce; and the queue of items it asked for, served a
/// run at a time as its socket drains. Pure bookkeeping, keyed by peer id.
public struct Relay: Sendable {
    struct PeerState: Sendable {
        var known = KnownInventory(generationSize: Relay.maximumKnownInventory / 2)
        var pendingTransactions: [Hash256] = []
        var budget: TokenBucket
        var requested: [InventoryVector] = []
        var serving = false
    }

    /// Inventory remembered per peer, in two generations (Protocol.md §13.8): two seconds of relay
    /// at 5,000 transactions a second, and a block's worth many times over. A hash forgotten too
    /// early costs one more announcement, which the peer ignores; a larger memory cost every peer
    /// of a hub about 1 MiB (the early hosts of a 100-host LAN, with 30-40 peers, peaked 35 MiB
    /// above the others).
    public static let maximumKnownInventory = 10_000
    /// Blocks announced at once: a longer run of new blocks is found by the peer's own sync.
    public static let maximumAnnouncedBlocks = 8
    public let inventoryRate: Double
    public let inventoryBurst: Double
    private var peers: [Int: PeerState] = [:]

    /// A transaction asked of one peer, and the other peers that announced it meanwhile (asked in
    /// turn if that one does not deliver): each node downloads a transaction once, not once per peer
    /// that announces it (Core's TxRequestTracker, in small).
    struct TransactionRequest: Sendable {
        var peer: Int
        var since: Date
        var others: [Int] = []
    }
    private var transactionRequests: [Hash256: TransactionRequest] = [:]
    /// How long a peer has to deliver a transaction it announced and was asked for.
    public static let transactionRequestTimeout: TimeInterval = 2
    /// Transactions tracked at once; past it an announced transaction is simply asked for.
    public static let maximumTransactionRequests = 50_000
    /// Other announcers remembered per transaction.
    public static let maximumAnnouncers = 8

    public init(inventoryRate: Double, inventoryBurst: Double) {
        self.inventoryRate = inventoryRate
        self.inventoryBurst = inventoryBurst
    }

    public mutating func add(_ peer: Int, now: Date = Date()) {
        peers[peer] = PeerState(budget: TokenBucket(rate: inventoryRate, burst: inventoryBurst, now: now))
    }

    public mutating func remove(_ peer: Int) {
        peers[peer] = nil
        // Its requests go to the next announcer at the next check.
        for (txid, request) in transactionRequests where request.peer == peer {
            transactionRequests[txid]!.since = .distantPast
        }
    }

    public func knows(_ peer: Int, _ hash: Hash256) -> Bool { peers[peer]?.known.contains(hash) ?? false }

    /// The peer has `hash`, or was told of it.
    public mutating func learn(_ peer: Int, _ hash: Hash256) {
        peers[peer]?.known.insert(hash)
    }

    public mutating func learn(_ peer: Int, _ hashes: some Sequence<Hash256>) {
        for hash in hashes { learn(peer, hash) }
    }

    /// Takes `count` entries from the peer's announcement budget; false if it has not got them.
    public mutating func spendInventoryBudget(_ peer: Int, _ count: Int, now: Date = Date()) -> Bool {
        peers[peer]?.budget.take(count, now: now) ?? false
    }

    // MARK: Announcing

    /// New blocks on the active chain (lowest first): for each of `recipients`, the headers of the
    /// last few it does not know of, now counted as known to it.
    public mutating func blockAnnouncements(_ headers: [BlockHeader], to recipients: [Int]) -> [Int: [BlockHeader]] {
        let recent = headers.suffix(Relay.maximumAnnouncedBlocks)
        var result: [Int: [BlockHeader]] = [:]
        for peer in recipients {
            let unknown = recent.filter { !knows(peer, $0.hash) }
            guard !unknown.isEmpty else { continue }
            learn(peer, unknown.map(\.hash))
            result[peer] = unknown
        }
        return result
    }

    /// Transactions newly in the mempool, to be announced to `recipients` at the next flush.
    public mutating func queueTransactions(_ txids: [Hash256], for recipients: [Int]) {
        for peer in recipients where peers[peer] != nil {
            peers[peer]!.pendingTransactions += txids.lazy.filter { !self.knows(peer, $0) }
        }
    }

    /// The peer's queued transaction announcements, in `inv`-sized chunks, now counted as known.
    public mutating func flushTransactions(for peer: Int) -> [[Hash256]] {
        guard let pending = peers[peer]?.pendingTransactions, !pending.isEmpty else { return [] }
        peers[peer]!.pendingTransactions.removeAll()
        var seen = Set<Hash256>()
        let txids = pending.filter { !knows(peer, $0) && seen.insert($0).inserted }
        learn(peer, txids)
        return stride(from: 0, to: txids.count, by: InvMessage.maximumCount).map {
            Array(txids[$0..<min($0 + InvMessage.maximumCount, txids.count)])
        }
    }

    public var peersWithPendingTransactions: [Int] {
        peers.filter { !$0.value.pendingTransactions.isEmpty }.map(\.key).sorted()
    }

    // MARK: Asking for transactions

    /// Of transactions `peer` announced that we lack, those to ask it for now: the ones nobody else
    /// was asked for. The others wait, remembered as announced by it.
    public mutating func claimTransactionRequests(_ txids: [Hash256], from peer: Int, now: Date = Date()) -> [Hash256] {
        txids.filter { txid in
            if var request = transactionRequests[txid] {
                if request.peer != peer && !request.others.contains(peer)
                    && request.others.count < Relay.maximumAnnouncers
                {
                    request.others.append(peer)
                    transactionRequests[txid] = request
                }
                return false
            }
            if transactionRequests.count < Relay.maximumTransactionRequests {
                transactionRequests[txid] = TransactionRequest(peer: peer, since: now)
            }
            return true
        }
    }

    /// The transaction arrived (whoever sent it): nobody else is asked for it.
    public mutating func transactionArrived(_ txid: Hash256) { transactionRequests[txid] = nil }

    /// Requests not delivered within the timeout (or whose peer left or said `notfound`): each goes
    /// to the next peer that announced it; those nobody else announced are forgotten. The requests
    /// to send, by peer.
    public mutating func reassignTransactionRequests(now: Date = Date()) -> [Int: [Hash256]] {
        var asks: [Int: [Hash256]] = [:]
        for (txid, request) in transactionRequests
        where now.timeIntervalSince(request.since) > Relay.transactionRequestTimeout {
            var remaining = request.others.filter { peers[$0] != nil }
            guard !remaining.isEmpty else {
                transactionRequests[txid] = nil
                continue
            }
            let next = remaining.removeFirst()
            transactionRequests[txid] = TransactionRequest(peer: next, since: now, others: remaining)
            asks[next, default: []].append(txid)
        }
        return asks
    }

    /// `peer` does not have these: the next announcer is asked at the next check.
    public mutating func transactionsNotFound(_ txids: [Hash256], from peer: Int) {
        for txid in txids where transactionRequests[txid]?.peer == peer {
            transactionRequests[txid]!.since = .distantPast
        }
    }

    // MARK: Serving

    /// Queues items the peer asked for (`getdata`); false, queueing nothing, if they would take its
    /// queue past one message's worth.
    public mutating func request(_ items: [InventoryVector], from peer: Int) -> Bool {
        guard let state = peers[peer] else { return true }
        let known = items.filter(\.type.isKnown)
        learn(peer, known.map(\.hash))
        guard state.requested.count + items.count <= InvMessage.maximumCount else { return false }
        peers[peer]!.requested += known
        return true
    }

    /// The next run to serve — up to 8 blocks or 1,000 transactions, one trip to the chain — unless
    /// one is being served; the caller reports `finishedRun` when it is written.
    public mutating func nextRun(for peer: Int) -> [InventoryVector]? {
        guard let state = peers[peer], !state.serving, let first = state.requested.first else { return nil }
        let limit = first.type == .transaction ? 1_000 : 8
        let run = Array(state.requested.prefix { $0.type == first.type }.prefix(limit))
        peers[peer]!.requested.removeFirst(run.count)
        peers[peer]!.serving = true
        return run
    }

    /// The run is written; `unserved`, the part of it not sent (it reached its size limit), is
    /// served next.
    public mutating func finishedRun(for peer: Int, unserved: [InventoryVector] = []) {
        guard peers[peer] != nil else { return }
        peers[peer]!.serving = false
        peers[peer]!.requested.insert(contentsOf: unserved, at: 0)
    }
}
