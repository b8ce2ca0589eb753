import Synchronization
import TallyCrypto
import TallyWire

/// Transactions whose signatures were found valid, so that one accepted into the mempool is not
/// verified again when its block connects. A signature's validity depends only on the
/// transaction's bytes and the network (Protocol.md §3.1), so the key is the wtxid — which covers
/// the signatures: a copy with the same txid but other signatures is another key and is verified
/// afresh — hashed with the network's magic and a salt drawn at start, so that nobody can aim
/// entries at one another. Bounded: past `capacity` the oldest entry makes room.
public final class SignatureCache: Sendable {
    public let capacity: Int
    private let salt: [UInt8]
    private struct Entries {
        var keys = Set<Hash256>()
        /// Insertion order, as a ring: `next` is the slot to overwrite.
        var order: [Hash256] = []
        var next = 0
    }
    private let entries = Mutex(Entries())

    public init(network: Network, capacity: Int = 100_000) {
        self.capacity = max(1, capacity)
        salt = network.magic + SecureRandom.bytes(32)
    }

    public var count: Int { entries.withLock { $0.keys.count } }

    public func contains(_ tx: Transaction) -> Bool {
        let key = key(for: tx)
        return entries.withLock { $0.keys.contains(key) }
    }

    /// Records that `tx`'s signatures verify.
    public func insert(_ tx: Transaction) {
        let key = key(for: tx)
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

    private func key(for tx: Transaction) -> Hash256 {
        SHA256.hash(salt + tx.wtxid.bytes)
    }
}
