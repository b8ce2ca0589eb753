import TallyCrypto
import TallyWire

/// Checks that need nothing but the transaction itself (rules R15–R18 for outputs).
public enum TransactionChecks {
    public static func check(_ tx: Transaction) throws(RuleViolation) {
        guard !tx.inputs.isEmpty, !tx.outputs.isEmpty else {
            throw RuleViolation(
                .transactionEmpty,
                "transaction \(tx.txid) has \(tx.inputs.count) inputs and \(tx.outputs.count) outputs")
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
