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
public enum BlockConnector {
    public static func connect(
        _ block: Block, height: UInt32, view: CoinView,
        parameters: ChainParameters
    ) throws -> BlockConnection {
        let coinbase = block.transactions[0]
        guard coinbase.coinbaseData?.height == height else {
            throw RuleViolation(
                .coinbaseHeight, "coinbase says height \(coinbase.coinbaseData?.height ?? 0), block is at \(height)")
        }
        var connection = BlockConnection()
        connection.spent.reserveCapacity(block.transactions.count)
        var createdInBlock: [OutPoint: Coin] = [:]
        createdInBlock.reserveCapacity(block.transactions.count * 2)
        var spentFromView = Set<OutPoint>()

        for tx in block.transactions.dropFirst() {
            var inputTotal: UInt64 = 0
            for input in tx.inputs {
                let coin: Coin
                if let inBlock = createdInBlock.removeValue(forKey: input.outpoint) {
                    coin = inBlock
                } else if !spentFromView.contains(input.outpoint), let fromView = try view.coin(input.outpoint) {
                    coin = fromView
                    spentFromView.insert(input.outpoint)
                    connection.spent.append((input.outpoint, fromView))
                } else {
                    throw RuleViolation(.missingOrSpent, "\(tx.txid) spends \(input.outpoint), which is not unspent")
                }
                if coin.isCoinbase && height - coin.height < parameters.coinbaseMaturity {
                    throw RuleViolation(
                        .immatureCoinbase,
                        "\(tx.txid) spends a coinbase of height \(coin.height) at height \(height)")
                }
                guard AddressHash(publicKey: input.publicKey) == coin.output.address else {
                    throw RuleViolation(
                        .inputKey, "\(tx.txid) input \(input.outpoint): key does not match the output's address")
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
            for (i, output) in tx.outputs.enumerated() {
                createdInBlock[OutPoint(txid: tx.txid, index: UInt32(i))] = Coin(
                    output: output, height: height, isCoinbase: false)
            }
        }

        let allowed = Subsidy.amount(height: height, parameters: parameters) + connection.fees
        let paid = coinbase.outputs.reduce(0) { $0 + $1.amount }
        guard paid <= allowed else {
            throw RuleViolation(.coinbaseAmount, "coinbase pays \(paid), subsidy plus fees is \(allowed)")
        }
        for (i, output) in coinbase.outputs.enumerated() {
            createdInBlock[OutPoint(txid: coinbase.txid, index: UInt32(i))] = Coin(
                output: output, height: height, isCoinbase: true)
        }
        // Keep the block's own order so that storage writes are deterministic.
        for tx in block.transactions {
            for i in tx.outputs.indices {
                let outpoint = OutPoint(txid: tx.txid, index: UInt32(i))
                if let coin = createdInBlock[outpoint] { connection.created.append((outpoint, coin)) }
            }
        }
        return connection
    }
}
