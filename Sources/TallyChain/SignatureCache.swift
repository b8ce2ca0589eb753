import Synchronization
import TallyCrypto
import TallyWire

/// Transactions whose signatures were found valid, so that one accepted into the mempool is not
/// verified again when its block connects. A signature's validity depends only on the
/// transaction's bytes and the network (Protocol.md §3.1), so the key is the wtxid — which covers
/// the signatures: a copy with the same txid but other signatures is another key and is verified
/// afresh. The cache belongs to one chain, of one network. The wtxid is used as it is (Bitcoin Core
/// salts its keys because its table's hash is its own; a Swift `Set` seeds its hasher at random in
/// every process, so nobody can aim keys at one bucket), and a look-up, made for every transaction
/// of every block, hashes nothing more. Bounded: past `capacity` the oldest entry makes room.
public final class SignatureCache: Sendable {
    public let capacity: Int
    private struct Entries {
        var keys = Set<Hash256>()
        /// Insertion order, as a ring: `next` is the slot to overwrite.
        var order: [Hash256] = []
        var next = 0
    }
    private let entries = Mutex(Entries())

    public init(capacity: Int = 100_000) {
        self.capacity = max(1, capacity)
    }

    public var count: Int { entries.withLock { $0.keys.count } }

    public func contains(_ tx: Transaction) -> Bool {
        let key = tx.wtxid
        return entries.withLock { $0.keys.contains(key) }
    }

    /// Those of `transactions` the cache does not know, in order: a block's, under one hold of the lock.
    public func unverified(_ transactions: some Collection<Transaction>) -> [Transaction] {
        entries.withLock { entries in transactions.filter { !entries.keys.contains($0.wtxid) } }
    }

    /// Records that `tx`'s signatures verify.
    public func insert(_ tx: Transaction) {
        let key = tx.wtxid
        let capacity = capacity
        entries.withLock { entries in
            guard entries.keys.insert(key).inserted else { return }
            if entries.order.count < capacity {
                entries.order.append(key)
            } else {
                entries.keys.remove(entries.order[entries.next])
                entries.order[entries.next] = key
                entries.next = (entries.next + 1) % capacity
            }
        }
    }
}
