import TallyCrypto
import TallyWire

/// Checks that need nothing but the transaction itself (rules R15–R18 for outputs).
public enum TransactionChecks {
    public static func check(_ tx: Transaction) throws(RuleViolation) {
        guard !tx.inputs.isEmpty, !tx.outputs.isEmpty else {
            throw RuleViolation(.transactionEmpty, "transaction \(tx.txid) has \(tx.inputs.count) inputs and \(tx.outputs.count) outputs")
        }
        var total: UInt64 = 0
        for output in tx.outputs {
            guard output.amount <= ChainParameters.maximumMoney else {
                throw RuleViolation(.amountRange, "output of \(output.amount) units exceeds the money supply")
            }
            total += output.amount
            guard total <= ChainParameters.maximumMoney else {
                throw RuleViolation(.amountRange, "outputs of \(tx.txid) add up to more than the money supply")
            }
        }
        if tx.isCoinbase { return }
        for input in tx.inputs where input.outpoint.isNull {
            throw RuleViolation(.nullInput, "transaction \(tx.txid) spends the null outpoint but is not a coinbase")
        }
        // Most transactions have a handful of inputs: comparing pairs beats building a set.
        if tx.inputs.count <= 8 {
            for i in tx.inputs.indices {
                for j in tx.inputs.indices where j > i && tx.inputs[i].outpoint == tx.inputs[j].outpoint {
                    throw RuleViolation(.duplicateInput, "transaction \(tx.txid) spends \(tx.inputs[i].outpoint) twice")
                }
            }
        } else {
            var seen = Set<OutPoint>(minimumCapacity: tx.inputs.count)
            for input in tx.inputs where !seen.insert(input.outpoint).inserted {
                throw RuleViolation(.duplicateInput, "transaction \(tx.txid) spends \(input.outpoint) twice")
            }
        }
    }
}

/// Checks that need nothing but the block itself (rules R7–R10, R12, R14 and the transaction checks).
public enum BlockChecks {
    public static func check(_ block: Block) throws(RuleViolation) {
        let size = block.size
        guard size <= Block.maximumSize else {
            throw RuleViolation(.blockSize, "block is \(size) bytes, the limit is \(Block.maximumSize)")
        }
        guard block.computedMerkleRoot == block.header.merkleRoot else {
            throw RuleViolation(.merkleRoot, "transactions do not hash to the header's merkle root")
        }
        guard let coinbase = block.transactions.first, coinbase.isCoinbase else {
            throw RuleViolation(.coinbaseFirst, "the first transaction is not a coinbase")
        }
        guard coinbase.inputs[0].signature.allSatisfy({ $0 == 0 }) else {
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
            try TransactionChecks.check(tx)
        }
    }
}
