import TallyCrypto
import TallyWire

/// Transactions whose parents are not known yet, waiting for them.
///
/// Held by **wtxid**, not txid: a txid leaves out the signatures, so a copy of an honest transaction
/// with a broken signature has the same txid, and keyed by txid it could take the honest one's place
/// (or keep it out) until the parent comes. Both copies wait; the parent's arrival tries each, and
/// only one that verifies enters the mempool.
///
/// Bounded in all (`MempoolPolicy.maximumOrphans`) and per announcer (`maximumOrphansPerPeer`): a peer
/// at its bound makes room by losing its own oldest orphan, and when the pool is full the announcer
/// holding the most gives up its oldest, so a peer sending orphans in bulk only ever displaces itself
/// while others hold fewer. Any that waited longer than their lifetime leave at the next addition.
public struct OrphanTransactions {
    /// Who sent an orphan: a peer's identifier, or nil for the node's own API.
    public typealias Announcer = Int?

    private struct Orphan {
        let tx: Transaction
        let arrival: UInt32
        let announcer: Announcer
        let sequence: UInt64
    }

    private var orphans: [Hash256: Orphan] = [:]
    /// Parent txid → wtxids of the orphans spending one of its outputs.
    private var byParent: [Hash256: Set<Hash256>] = [:]
    /// Announcer → wtxids of its orphans, oldest first.
    private var byAnnouncer: [Announcer: [Hash256]] = [:]
    private var nextSequence: UInt64 = 0

    public init() {}

    public var count: Int { orphans.count }
    public func contains(wtxid: Hash256) -> Bool { orphans[wtxid] != nil }
    public func count(from announcer: Announcer) -> Int { byAnnouncer[announcer]?.count ?? 0 }

    /// Holds `tx`, sent by `announcer`, unless a transaction with the same wtxid waits already.
    public mutating func add(_ tx: Transaction, from announcer: Announcer, now: UInt32, policy: MempoolPolicy) {
        guard orphans[tx.wtxid] == nil, policy.maximumOrphans > 0, policy.maximumOrphansPerPeer > 0 else { return }
        for (wtxid, orphan) in orphans where now &- orphan.arrival > policy.orphanLifetime { remove(wtxid) }
        while count(from: announcer) >= policy.maximumOrphansPerPeer, let oldest = byAnnouncer[announcer]?.first {
            remove(oldest)
        }
        while orphans.count >= policy.maximumOrphans, let oldest = oldestOfTheLargestAnnouncer() { remove(oldest) }
        orphans[tx.wtxid] = Orphan(tx: tx, arrival: now, announcer: announcer, sequence: nextSequence)
        nextSequence += 1
        for parent in Set(tx.inputs.map(\.outpoint.txid)) { byParent[parent, default: []].insert(tx.wtxid) }
        byAnnouncer[announcer, default: []].append(tx.wtxid)
    }

    /// Takes out the orphans that spend an output of `parent`, oldest first.
    public mutating func takeChildren(of parent: Hash256) -> [Transaction] {
        let children = (byParent[parent] ?? []).compactMap { orphans[$0] }.sorted { $0.sequence < $1.sequence }
        for child in children { remove(child.tx.wtxid) }
        return children.map(\.tx)
    }

    private mutating func remove(_ wtxid: Hash256) {
        guard let orphan = orphans.removeValue(forKey: wtxid) else { return }
        for parent in Set(orphan.tx.inputs.map(\.outpoint.txid)) {
            byParent[parent]?.remove(wtxid)
            if byParent[parent]?.isEmpty == true { byParent[parent] = nil }
        }
        byAnnouncer[orphan.announcer]?.removeAll { $0 == wtxid }
        if byAnnouncer[orphan.announcer]?.isEmpty == true { byAnnouncer[orphan.announcer] = nil }
    }

    /// The oldest orphan of whoever holds the most (of equals, the one whose oldest came first).
    private func oldestOfTheLargestAnnouncer() -> Hash256? {
        byAnnouncer.values.compactMap { held in held.first.map { (count: held.count, oldest: $0) } }
            .min { a, b in
                a.count != b.count
                    ? a.count > b.count : (orphans[a.oldest]?.sequence ?? 0) < (orphans[b.oldest]?.sequence ?? 0)
            }?.oldest
    }
}
