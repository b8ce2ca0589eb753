import TallyCrypto
import TallyWire

/// A block being rebuilt from a `cmpctblock` (Protocol.md §13.10, Bitcoin Core's
/// PartiallyDownloadedBlock): the prefilled transactions in place, the others matched by short id
/// among the transactions the node holds, the rest asked for with `getblocktxn`. Pure: no I/O and no
/// clock; the caller feeds it and decides what its failures cost whom.
public struct BlockReconstruction: Sendable {
    public enum Failure: Error, Equatable, Sendable {
        /// Two short ids of the message are equal: no one can tell which transaction goes where. Ask
        /// for the full block; nobody is at fault, since a block can hold two transactions whose short
        /// ids collide.
        case shortIDCollision
        /// A `blocktxn` holding another number of transactions than were missing: the peer's fault.
        case wrongTransactionCount(expected: Int, received: Int)
        /// The rebuilt block's merkle root is not its header's: a short id matched the wrong transaction
        /// (a 48-bit collision with one the node holds happens by chance) or the peer sent a wrong one.
        /// Ask for the full block; nobody is punished.
        case merkleRootMismatch
    }

    private enum Slot: Sendable {
        case missing
        case filled(Transaction)
        /// Two different transactions match its short id: it is asked for, whatever else matches.
        case ambiguous
    }

    public let header: BlockHeader
    private let shortIDKey: SipHash.Key
    private var slots: [Slot]
    /// The position in the block of each short id.
    private let positions: [UInt64: Int]

    /// Places the message's prefilled transactions; throws `.shortIDCollision` if two of its short ids
    /// are equal. (A decoded message's indexes are already valid: its decoder checked them.)
    public init(_ message: CompactBlockMessage) throws(Failure) {
        header = message.header
        shortIDKey = message.shortIDKey
        var slots = [Slot](repeating: .missing, count: message.transactionCount)
        for prefilled in message.prefilledTransactions { slots[prefilled.index] = .filled(prefilled.transaction) }
        var positions: [UInt64: Int] = [:]
        positions.reserveCapacity(message.shortIDs.count)
        var position = 0
        for shortID in message.shortIDs {
            while case .filled = slots[position] { position += 1 }
            guard positions.updateValue(position, forKey: shortID) == nil else { throw .shortIDCollision }
            position += 1
        }
        self.slots = slots
        self.positions = positions
    }

    /// Matches `candidates` (the mempool's transactions, and any the node keeps from recent relay) to
    /// the short ids still missing. Each candidate is hashed once; a position that two different
    /// candidates match, now or in an earlier call, stays missing. Pass a collection that holds the
    /// transactions (an array, a dictionary's values): a lazily mapped one copies each of them.
    public mutating func fill(from candidates: some Collection<Transaction>) {
        fill { offer in
            for index in candidates.indices { offer(candidates[index].wtxid) { candidates[index] } }
        }
    }

    /// The same, for candidates a holder offers one at a time where they lie: their wtxid, and a way
    /// to the transaction, taken only for a match. The mempool offers its wtxids this way, from a
    /// table of them alone, with no generic code between it and this type.
    public mutating func fill(offering: ((Hash256, () -> Transaction) -> Void) -> Void) {
        // Copying every candidate would retain it, and across a mempool those are mostly cache
        // misses (in release, 6 ms rather than 1 for 20,000 candidates).
        offering { wtxid, transaction in
            if let position = position(of: wtxid) { place(transaction(), at: position) }
        }
    }

    /// The position whose short id is the transaction's with `wtxid`, if any.
    private func position(of wtxid: Hash256) -> Int? {
        positions[CompactBlockMessage.shortID(for: wtxid, key: shortIDKey)]
    }

    private mutating func place(_ candidate: Transaction, at position: Int) {
        switch slots[position] {
        case .missing: slots[position] = .filled(candidate)
        case .filled(let held) where held.wtxid != candidate.wtxid: slots[position] = .ambiguous
        case .filled, .ambiguous: break
        }
    }

    /// The positions still missing, increasing: what to ask for with `getblocktxn`.
    public var missingIndexes: [Int] {
        slots.indices.filter {
            if case .filled = slots[$0] { false } else { true }
        }
    }

    /// The block, once nothing is missing; nil while something is. Throws `.merkleRootMismatch` if
    /// the transactions matched are not the header's.
    public var block: Block? {
        get throws(Failure) {
            guard missingIndexes.isEmpty else { return nil }
            return try assembled(with: [])
        }
    }

    /// The block with the missing transactions from the peer's answer to our `getblocktxn`, which must
    /// be for this block (the caller finds the reconstruction by the answer's block hash).
    public func complete(with blockTransactions: BlockTransactionsMessage) throws(Failure) -> Block {
        precondition(blockTransactions.blockHash == header.hash, "blocktxn for another block")
        let missing = missingIndexes.count
        guard blockTransactions.transactions.count == missing else {
            throw .wrongTransactionCount(expected: missing, received: blockTransactions.transactions.count)
        }
        return try assembled(with: blockTransactions.transactions)
    }

    /// The block with `missing` in the empty positions, in order (one for each).
    private func assembled(with missing: [Transaction]) throws(Failure) -> Block {
        var next = missing.makeIterator()
        let transactions = slots.map { slot in
            if case .filled(let transaction) = slot { transaction } else { next.next()! }
        }
        let block = Block(header: header, transactions: transactions)
        guard block.computedMerkleRoot == header.merkleRoot else { throw .merkleRootMismatch }
        return block
    }
}
