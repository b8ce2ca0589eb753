import TallyCrypto
import TallyWire

/// The effect of connecting one block to the UTXO set: what it spends (the undo data), what it
/// creates, and the fees it collects.
public struct BlockConnection: Sendable {
    /// Coins of the UTXO set spent by the block, in input order; restoring them undoes the block.
    public var spent: [(OutPoint, Coin)] = []
    /// Coins the block adds to the UTXO set (outputs created and spent inside the block are absent).
    public var created: [(OutPoint, Coin)] = []
    public var fees: UInt64 = 0
}

/// Applies the rules that need the UTXO set (R11, R13, R19–R21, R23) to a block, without touching
/// storage. Signatures (R22) are checked separately so that they can be verified in parallel.
/// `keysChecked`: the payments' keys were matched to the coins they spend already (R21: the mempool
/// took them, `BlockChecks.Done.payments`).
public enum BlockConnector {
    public static func connect(
        _ block: Block, height: UInt32, view: CoinView,
        parameters: ChainParameters, keysChecked: Bool = false
    ) throws -> BlockConnection {
        let coinbase = block.transactions[0]
        guard coinbase.coinbaseData?.height == height else {
            throw RuleViolation(
                .coinbaseHeight, "coinbase says height \(coinbase.coinbaseData?.height ?? 0), block is at \(height)")
        }
        var connection = BlockConnection()
        connection.spent.reserveCapacity(block.transactions.count)
        // Outpoints are hashed as few times as possible (it is most of a warm block's connection):
        // an input is looked up in the view first (it nearly always spends from there), and only
        // when missing among the outputs of the block's earlier transactions, found by txid.
        var spentFromView = Set<OutPoint>(minimumCapacity: block.transactions.count)
        var earlier: [Hash256: Int] = [:]
        earlier.reserveCapacity(block.transactions.count)
        var spentWithinBlock = Set<OutPoint>()

        for (position, tx) in block.transactions.enumerated().dropFirst() {
            var inputTotal: UInt64 = 0
            for input in tx.inputs {
                let outpoint = input.outpoint
                let coin: Coin
                if let fromView = try view.coin(outpoint), spentFromView.insert(outpoint).inserted {
                    coin = fromView
                    connection.spent.append((outpoint, fromView))
                } else if let source = earlier[outpoint.txid],
                    Int(outpoint.index) < block.transactions[source].outputs.count,
                    spentWithinBlock.insert(outpoint).inserted
                {
                    let output = block.transactions[source].outputs[Int(outpoint.index)]
                    coin = Coin(output: output, height: height, isCoinbase: false)
                } else {
                    throw RuleViolation(.missingOrSpent, "\(tx.txid) spends \(outpoint), which is not unspent")
                }
                if coin.isCoinbase && height - coin.height < parameters.coinbaseMaturity {
                    throw RuleViolation(
                        .immatureCoinbase,
                        "\(tx.txid) spends a coinbase of height \(coin.height) at height \(height)")
                }
                guard keysChecked || AddressHash(publicKey: input.publicKeyBytes) == coin.output.address else {
                    throw RuleViolation(
                        .inputKey, "\(tx.txid) input \(outpoint): key does not match the output's address")
                }
                inputTotal += coin.output.amount
                guard inputTotal <= ChainParameters.maximumMoney else {
                    throw RuleViolation(.amountRange, "inputs of \(tx.txid) exceed the money supply")
                }
            }
            let outputTotal = tx.outputs.reduce(0) { $0 + $1.amount }
            guard inputTotal >= outputTotal else {
                throw RuleViolation(.inputsBelowOutputs, "\(tx.txid) spends \(inputTotal) but pays \(outputTotal)")
            }
            connection.fees += inputTotal - outputTotal
            earlier[tx.txid] = position
        }

        let allowed = Subsidy.amount(height: height, parameters: parameters) + connection.fees
        let paid = coinbase.outputs.reduce(0) { $0 + $1.amount }
        guard paid <= allowed else {
            throw RuleViolation(.coinbaseAmount, "coinbase pays \(paid), subsidy plus fees is \(allowed)")
        }
        // The outputs not spent within the block, in the block's order, so that storage writes are
        // deterministic.
        for (position, tx) in block.transactions.enumerated() {
            for (i, output) in tx.outputs.enumerated() {
                let outpoint = OutPoint(txid: tx.txid, index: UInt32(i))
                if !spentWithinBlock.isEmpty && spentWithinBlock.contains(outpoint) { continue }
                connection.created.append((outpoint, Coin(output: output, height: height, isCoinbase: position == 0)))
            }
        }
        return connection
    }
}
