import TallyCrypto
import TallyWire

/// Checks that need nothing but the block itself (rules R7–R10, R12, R14 and the transaction checks).
public enum BlockChecks {
    /// What was checked of a block on its way to the chain, which the chain does not do again: a
    /// block rebuilt from the mempool was hashed to its merkle root, and its transactions were
    /// checked as they entered the mempool.
    public struct Done: OptionSet, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }

        /// The transactions hash to the header's merkle root.
        public static let merkleRoot = Done(rawValue: 1)
        /// Every transaction but the first was taken from the mempool, which accepted it: it passed
        /// `TransactionChecks` (which see nothing but its bytes), and its keys (R21) and signatures
        /// (R22) matched the coins it spends, which its outpoints fix, so they match in any block.
        public static let payments = Done(rawValue: 2)
    }

    public static func check(_ block: Block, done: Done = []) throws(RuleViolation) {
        let size = block.size
        guard size <= Block.maximumSize else {
            throw RuleViolation(.blockSize, "block is \(size) bytes, the limit is \(Block.maximumSize)")
        }
        guard done.contains(.merkleRoot) || block.computedMerkleRoot == block.header.merkleRoot else {
            throw RuleViolation(.merkleRoot, "transactions do not hash to the header's merkle root")
        }
        guard let coinbase = block.transactions.first, coinbase.isCoinbase else {
            throw RuleViolation(.coinbaseFirst, "the first transaction is not a coinbase")
        }
        guard coinbase.inputs[0].signatureBytes == .zero else {
            throw RuleViolation(.coinbaseSignature, "the coinbase signature field is not all zero")
        }
        var txids = Set<Hash256>(minimumCapacity: block.transactions.count)
        for (i, tx) in block.transactions.enumerated() {
            guard i == 0 || !tx.isCoinbase else {
                throw RuleViolation(.coinbaseUnique, "transaction \(i) is a second coinbase")
            }
            guard txids.insert(tx.txid).inserted else {
                throw RuleViolation(.duplicateTransaction, "txid \(tx.txid) appears twice")
            }
            if i == 0 || !done.contains(.payments) { try TransactionChecks.check(tx) }
        }
    }
}
