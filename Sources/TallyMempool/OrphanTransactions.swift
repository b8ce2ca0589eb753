import TallyCrypto
import TallyWire

/// Transactions whose parents are not known yet. Bounded; the oldest leave first, and any that
/// waited longer than their lifetime leave at the next addition.
struct OrphanTransactions {
    private struct Orphan {
        let tx: Transaction
        let arrival: UInt32
    }

    private var orphans: [Hash256: Orphan] = [:]
    private var order: [Hash256] = []

    var count: Int { orphans.count }

    mutating func add(_ tx: Transaction, now: UInt32, policy: MempoolPolicy) {
        guard orphans[tx.txid] == nil else { return }
        let expired = order.filter { orphans[$0].map { now &- $0.arrival > policy.orphanLifetime } ?? true }
        for txid in expired { remove(txid) }
        orphans[tx.txid] = Orphan(tx: tx, arrival: now)
        order.append(tx.txid)
        while orphans.count > policy.maximumOrphans, let oldest = order.first { remove(oldest) }
    }

    mutating func remove(_ txid: Hash256) {
        orphans[txid] = nil
        order.removeAll { $0 == txid }
    }

    /// Takes out the orphans that spend an output of `parent`.
    mutating func takeChildren(of parent: Hash256) -> [Transaction] {
        let children = order.compactMap { orphans[$0]?.tx }.filter { $0.inputs.contains { $0.outpoint.txid == parent } }
        for child in children { remove(child.txid) }
        return children
    }
}
