import TallyChain
import TallyCrypto
import TallyTestSupport
import TallyWire

/// A regtest chain whose mature coinbases were fanned out into many outputs of one key: what the
/// benchmarks spend, one output per payment.
struct Funding {
    let builder: TestChain
    let owner: Ed25519.PrivateKey
    /// Every block after genesis, the funding blocks last.
    let blocks: [Block]
    let outpoints: [OutPoint]
    /// The amount of each output.
    let amount: UInt64

    /// At least `count` outputs, `perFunding` to a funding transaction.
    init(outputs count: Int, perFunding: Int = 1_000, owner: Ed25519.PrivateKey = TestChain.key(1)) throws {
        let builder = try TestChain()
        let fundingCount = (count + perFunding - 1) / perFunding
        // Coinbases mature after 100 blocks: one for each funding transaction.
        var blocks = try builder.mine(max(110, fundingCount + 101), payTo: TestChain.address(owner))
        var funding: [Transaction] = []
        for height in 1...UInt32(max(1, fundingCount)) {
            let coinbase = try builder.coinbase(at: height)
            let each = (coinbase.outputs[0].amount - 100_000) / UInt64(perFunding)
            funding.append(
                builder.spend(
                    [(TestChain.outpoint(coinbase), owner)],
                    to: Array(repeating: TxOutput(amount: each, address: TestChain.address(owner)), count: perFunding)))
        }
        // As many funding transactions to a block as fit well under its size limit.
        let perBlock = max(1, (Block.maximumSize * 9 / 10) / funding[0].size)
        for chunk in stride(from: 0, to: funding.count, by: perBlock) {
            let txs = Array(funding[chunk..<min(chunk + perBlock, funding.count)])
            let fees = txs.reduce(UInt64(0)) { sum, tx in
                sum + 50 * ChainParameters.coin - tx.outputs.reduce(0) { $0 + $1.amount }
            }
            let block = builder.block(txs, fees: fees)
            _ = try builder.chain.acceptBlock(block)
            blocks.append(block)
        }
        self.builder = builder
        self.owner = owner
        self.blocks = blocks
        outpoints = funding.flatMap { tx in (0..<tx.outputs.count).map { OutPoint(txid: tx.txid, index: UInt32($0)) } }
        amount = funding[0].outputs[0].amount
    }

    /// A payment of output `index` to `recipient`, `fee` to the miner; with `change`, half of it
    /// comes back to the owner (a typical payment: one input, two outputs).
    func payment(_ index: Int, to recipient: AddressHash, fee: UInt64 = 1_000, change: Bool = true) -> Transaction {
        let outputs =
            change
            ? [
                TxOutput(amount: amount / 2, address: recipient),
                TxOutput(amount: amount - amount / 2 - fee, address: TestChain.address(owner)),
            ]
            : [TxOutput(amount: amount - fee, address: recipient)]
        return builder.spend([(outpoints[index], owner)], to: outputs)
    }
}
