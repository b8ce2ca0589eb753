import HeapModule
import TallyChain
import TallyCrypto
import TallyWire

/// Unconfirmed transactions that are valid against the active chain's UTXO set plus each other.
/// First seen wins a conflict; the pool is bounded in bytes and sheds its lowest fee rates.
/// Like `ChainState`, it has a single writer.
public final class Mempool {
    public struct Entry: Sendable {
        public let tx: Transaction
        public let fee: UInt64
        /// Arrival order, for stable ordering of equal fee rates.
        public let sequence: UInt64
        /// Fee per 1,000 bytes.
        public var feeRate: UInt64 { fee * 1_000 / UInt64(tx.size) }
        /// Mempool transactions this one spends from.
        public let parents: Set<Hash256>
    }

    public let policy: MempoolPolicy
    public private(set) var entries: [Hash256: Entry] = [:]
    /// Each entry's wtxid, to its txid: what a compact block's short ids are matched against, read
    /// without visiting the entries (Protocol.md §13.10).
    public private(set) var txidsByWtxid: [Hash256: Hash256] = [:]
    public private(set) var totalBytes = 0
    private var spentBy: [OutPoint: Hash256] = [:]
    private var children: [Hash256: Set<Hash256>] = [:]
    private var orphans = OrphanTransactions()
    private var nextSequence: UInt64 = 0

    public init(policy: MempoolPolicy = MempoolPolicy()) { self.policy = policy }

    public var count: Int { entries.count }
    public var orphanCount: Int { orphans.count }
    public func contains(_ txid: Hash256) -> Bool { entries[txid] != nil }
    public func transaction(_ txid: Hash256) -> Transaction? { entries[txid]?.tx }
    /// The mempool transaction spending `outpoint`, if any.
    public func spender(of outpoint: OutPoint) -> Hash256? { spentBy[outpoint] }

    // MARK: Acceptance

    /// Accepts `tx` (and any orphans it unblocks); returns every transaction added, `tx` first.
    /// `announcer` is the peer that sent it (nil: the node's own API), charged if it waits as an orphan.
    @discardableResult
    public func accept(
        _ tx: Transaction, chain: ChainState, now: UInt32, from announcer: OrphanTransactions.Announcer = nil
    ) throws(MempoolError) -> [Transaction] {
        do {
            try add(tx, chain: chain)
        } catch let error {
            if case .missingInputs = error { orphans.add(tx, from: announcer, now: now, policy: policy) }
            throw error
        }
        var added = [tx]
        var queue = [tx.txid]
        while let parent = queue.popLast() {
            for child in orphans.takeChildren(of: parent) where (try? add(child, chain: chain)) != nil {
                added.append(child)
                queue.append(child.txid)
            }
        }
        return added
    }

    private func add(_ tx: Transaction, chain: ChainState) throws(MempoolError) {
        guard entries[tx.txid] == nil else { throw .alreadyKnown }
        guard !tx.isCoinbase else { throw .policy("a coinbase is valid only in a block") }
        do { try TransactionChecks.check(tx) } catch { throw .rule(error) }
        guard tx.version == 1 else { throw .policy("version \(tx.version) is not standard") }
        guard tx.size <= policy.maximumTransactionSize else {
            throw .policy("\(tx.size) bytes is above \(policy.maximumTransactionSize)")
        }
        guard tx.outputs.allSatisfy({ $0.amount >= policy.dustLimit }) else {
            throw .policy("an output is below the dust limit of \(policy.dustLimit) units")
        }
        for input in tx.inputs {
            if let other = spentBy[input.outpoint] { throw .conflict(with: other) }
        }

        let height = chain.height + 1
        var inputTotal: UInt64 = 0
        var parents = Set<Hash256>()
        var missing: [Hash256] = []
        for input in tx.inputs {
            let coin: Coin
            if let parent = entries[input.outpoint.txid] {
                guard Int(input.outpoint.index) < parent.tx.outputs.count else {
                    throw .rule(RuleViolation(.missingOrSpent, "\(input.outpoint) does not exist"))
                }
                coin = Coin(output: parent.tx.outputs[Int(input.outpoint.index)], height: height, isCoinbase: false)
                parents.insert(parent.tx.txid)
            } else if let confirmed = try? chain.coin(input.outpoint) {
                coin = confirmed
            } else {
                missing.append(input.outpoint.txid)
                continue
            }
            if coin.isCoinbase && height - coin.height < chain.parameters.coinbaseMaturity {
                throw .rule(
                    RuleViolation(.immatureCoinbase, "spends a coinbase of height \(coin.height) at height \(height)"))
            }
            guard AddressHash(publicKey: input.publicKeyBytes) == coin.output.address else {
                throw .rule(
                    RuleViolation(.inputKey, "input \(input.outpoint): key does not match the output's address"))
            }
            inputTotal += coin.output.amount
            guard inputTotal <= ChainParameters.maximumMoney else {
                throw .rule(RuleViolation(.amountRange, "inputs exceed the money supply"))
            }
        }
        guard missing.isEmpty else { throw .missingInputs(missing) }
        let outputTotal = tx.outputs.reduce(0) { $0 + $1.amount }
        guard inputTotal >= outputTotal else {
            throw .rule(RuleViolation(.inputsBelowOutputs, "spends \(inputTotal) but pays \(outputTotal)"))
        }
        let fee = inputTotal - outputTotal
        let minimumFee = (UInt64(tx.size) * policy.minimumFeeRate + 999) / 1_000
        guard fee >= minimumFee else {
            throw .insufficientFee("fee \(fee) is below the minimum \(minimumFee) for \(tx.size) bytes")
        }
        if let failure = chain.verifySignatures(of: tx) { throw .rule(failure) }

        insert(Entry(tx: tx, fee: fee, sequence: nextSequence, parents: parents))
        nextSequence += 1
        trimToSize()
        guard entries[tx.txid] != nil else { throw .insufficientFee("mempool full: fee rate too low") }
    }

    private func insert(_ entry: Entry) {
        let txid = entry.tx.txid
        entries[txid] = entry
        txidsByWtxid[entry.tx.wtxid] = txid
        totalBytes += entry.tx.size
        for input in entry.tx.inputs { spentBy[input.outpoint] = txid }
        for parent in entry.parents { children[parent, default: []].insert(txid) }
    }

    /// Removes `txid` and everything that spends from it; returns what was removed.
    @discardableResult
    public func removeWithDescendants(_ txid: Hash256) -> [Transaction] {
        var removed: [Transaction] = []
        var stack = [txid]
        while let next = stack.popLast() {
            guard let entry = entries.removeValue(forKey: next) else { continue }
            txidsByWtxid[entry.tx.wtxid] = nil
            removed.append(entry.tx)
            totalBytes -= entry.tx.size
            for input in entry.tx.inputs where spentBy[input.outpoint] == next { spentBy[input.outpoint] = nil }
            for parent in entry.parents {
                children[parent]?.remove(next)
                if children[parent]?.isEmpty == true { children[parent] = nil }
            }
            stack.append(contentsOf: children.removeValue(forKey: next) ?? [])
        }
        return removed
    }

    private func trimToSize() {
        while totalBytes > policy.maximumBytes,
            let lowest = entries.values.min(by: { ($0.feeRate, $1.sequence) < ($1.feeRate, $0.sequence) })
        {
            removeWithDescendants(lowest.tx.txid)
        }
    }

    // MARK: Following the chain

    /// Brings the mempool in line with a new tip: confirmed transactions and those that conflict
    /// with a block leave; transactions of disconnected blocks come back if still valid.
    /// Returns the transactions of disconnected blocks that came back: peers may not have them.
    @discardableResult
    public func update(for change: TipChange, chain: ChainState, now: UInt32) -> [Transaction] {
        let candidates = prepareForTip(change)
        let returning = Set(change.disconnected.flatMap { $0.transactions.map(\.txid) })
        return readmit(candidates, chain: chain, now: now).filter { returning.contains($0.txid) }
    }

    /// The first half of `update`: after a plain extension the confirmed transactions leave and
    /// nothing is returned; after a reorganisation anything may have changed, so the mempool is
    /// emptied and what should be offered again is returned in order — the transactions of the
    /// disconnected blocks first (oldest block first), then the mempool's own in arrival order —
    /// for `readmit`, which the caller may run a part at a time.
    public func prepareForTip(_ change: TipChange) -> [Transaction] {
        if change.disconnected.isEmpty {
            for block in change.connected { removeConfirmed(block) }
            return []
        }
        let previous = entries.values.sorted { $0.sequence < $1.sequence }.map(\.tx)
        entries.removeAll()
        txidsByWtxid.removeAll()
        spentBy.removeAll()
        children.removeAll()
        totalBytes = 0
        let confirmed = Set(change.connected.flatMap { $0.transactions.map(\.txid) })
        let returning = change.disconnected.reversed().flatMap { $0.transactions.dropFirst() }
        return (returning + previous).filter { !confirmed.contains($0.txid) }
    }

    /// Offers `transactions` again, in order; returns those taken back.
    @discardableResult
    public func readmit(_ transactions: [Transaction], chain: ChainState, now: UInt32) -> [Transaction] {
        transactions.filter { (try? accept($0, chain: chain, now: now)) != nil }
    }

    private func removeConfirmed(_ block: Block) {
        // A block about the pool's size confirms most of it (a node at the tip of a quiet network):
        // what stays goes into fresh tables, cheaper than taking the rest out one by one (each
        // removal from a hash table probes, and moves the entries after it).
        if block.transactions.count * 2 >= entries.count { return keepUnconfirmed(block) }
        for tx in block.transactions {
            if let entry = entries.removeValue(forKey: tx.txid) {
                txidsByWtxid[entry.tx.wtxid] = nil
                totalBytes -= entry.tx.size
                for input in entry.tx.inputs { spentBy[input.outpoint] = nil }
                // Its children stay: their parent is now in the chain. (Usually no entry of the
                // pool has a parent in it: then there is no table of children to look in.)
                guard !children.isEmpty else { continue }
                for child in children.removeValue(forKey: tx.txid) ?? [] {
                    if let c = entries[child] {
                        entries[child] = Entry(
                            tx: c.tx, fee: c.fee, sequence: c.sequence, parents: c.parents.subtracting([tx.txid]))
                    }
                }
                continue  // its inputs were spent by it alone: nothing of the mempool conflicts
            }
            removeConflicts(with: tx)
        }
    }

    /// Removes what spends an input of `tx` (confirmed in a block), with its descendants.
    private func removeConflicts(with tx: Transaction) {
        for input in tx.inputs where !input.outpoint.isNull {
            if let conflicting = spentBy[input.outpoint], conflicting != tx.txid {
                removeWithDescendants(conflicting)
            }
        }
    }

    /// `removeConfirmed` by rebuilding: O(pool + block), where the pool is at most twice the block.
    private func keepUnconfirmed(_ block: Block) {
        let confirmed = Set(block.transactions.map(\.txid))
        let staying = entries.values.filter { !confirmed.contains($0.tx.txid) }
        // Emptied, not replaced: the tables keep their size for the transactions that come next.
        entries.removeAll(keepingCapacity: true)
        txidsByWtxid.removeAll(keepingCapacity: true)
        spentBy.removeAll(keepingCapacity: true)
        children.removeAll()
        totalBytes = 0
        for entry in staying {
            insert(
                Entry(
                    tx: entry.tx, fee: entry.fee, sequence: entry.sequence,
                    parents: entry.parents.isEmpty ? entry.parents : entry.parents.subtracting(confirmed)))
        }
        // What stays cannot spend what the confirmed mempool transactions spent (the pool had no
        // conflict): only the block's other transactions can conflict with it.
        guard !spentBy.isEmpty else { return }
        for tx in block.transactions { removeConflicts(with: tx) }
    }

    // MARK: Block templates

    /// Transactions for the next block, best fee rate first, every parent before its children, up
    /// to `maximumBytes`: the transactions whose parents are all in (or in the chain) wait in a
    /// heap ordered by fee rate, so a template costs O(n log n) in the mempool's size.
    public func blockTransactions(maximumBytes: Int) -> [Transaction] {
        var selected: [Transaction] = []
        var bytes = 0
        var ready = Heap(entries.values.lazy.filter { $0.parents.isEmpty }.map(TemplateCandidate.init))
        var waiting: [Hash256: Int] = [:]
        while let best = ready.popMax() {
            let entry = best.entry
            guard bytes + entry.tx.size <= maximumBytes else { continue }
            selected.append(entry.tx)
            bytes += entry.tx.size
            for child in children[entry.tx.txid] ?? [] {
                guard let c = entries[child] else { continue }
                let left = waiting[child, default: c.parents.count] - 1
                waiting[child] = left
                if left == 0 { ready.insert(TemplateCandidate(entry: c)) }
            }
        }
        return selected
    }

    public func totalFees(of transactions: [Transaction]) -> UInt64 {
        transactions.reduce(0) { $0 + (entries[$1.txid]?.fee ?? 0) }
    }
}

/// A mempool entry ordered for a template: higher fee rate first, then earlier arrival.
private struct TemplateCandidate: Comparable {
    let entry: Mempool.Entry

    static func < (a: TemplateCandidate, b: TemplateCandidate) -> Bool {
        (a.entry.feeRate, b.entry.sequence) < (b.entry.feeRate, a.entry.sequence)
    }

    static func == (a: TemplateCandidate, b: TemplateCandidate) -> Bool { a.entry.tx.txid == b.entry.tx.txid }
}
