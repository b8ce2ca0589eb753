import TallyChain
import TallyCrypto
import TallyMempool
import TallyTestSupport
import TallyWallet
import TallyWire
import Testing

/// Scanning blocks into a wallet's state, choosing coins and signing a payment the chain accepts.
@Suite struct PaymentTests {
    let t: TestChain
    let secret: WalletSecret
    let master: HDKey
    var state = WalletState()

    init() throws {
        t = try TestChain()
        secret = WalletSecret(
            mnemonic: try Mnemonic(
                phrase: "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about")
        )
        master = try secret.masterKey()
        for index in 0..<3 {
            let key = try master.derive(
                DerivationPath.tally(network: .regtest, account: 0, change: false, index: UInt32(index)))
            state.addresses.append(
                WalletState.AddressRecord(
                    label: "r\(index)", account: 0, change: false, index: UInt32(index),
                    address: key.address(on: .regtest)))
        }
        let change = try master.derive(DerivationPath.tally(network: .regtest, account: 0, change: true, index: 0))
        state.addresses.append(
            WalletState.AddressRecord(
                label: "change", account: 0, change: true, index: 0, address: change.address(on: .regtest)))
    }

    func keyFor(_ address: Address) -> Ed25519.PrivateKey? {
        guard let record = state.addresses.first(where: { $0.address == address }) else { return nil }
        return try? master.derive(
            DerivationPath.tally(network: .regtest, account: record.account, change: record.change, index: record.index)
        ).signingKey
    }

    /// Mines `count` blocks paying the wallet's first address and scans them.
    mutating func mineToWallet(_ count: Int) throws {
        for block in try t.mine(count, payTo: state.addresses[0].address.hash) {
            WalletScanner.apply(block, height: block.transactions[0].coinbaseData!.height, to: &state)
        }
    }

    @Test mutating func scanningFindsCoinbasesAndKeepsTheTip() throws {
        try mineToWallet(3)
        #expect(state.utxos.count == 3)
        #expect(state.utxos.allSatisfy { $0.coinbase && $0.amount == 50 * ChainParameters.coin && $0.height != nil })
        #expect(
            state.history.count == 3 && state.history.allSatisfy { $0.netAmount == Int64(50 * ChainParameters.coin) })
        #expect(state.scannedHeight == 3 && state.scannedTip == t.chain.tip.hash)
    }

    @Test mutating func aPaymentIsAcceptedPendingThenConfirmedWithExactChange() throws {
        try mineToWallet(101)
        let mature = state.utxos.filter { $0.height.map { t.chain.height + 1 - $0 >= 100 } ?? false }
        let bob = TestChain.address(TestChain.key(2))
        let amount: UInt64 = 7 * ChainParameters.coin + 12_345
        let tx = try PaymentBuilder.build(
            paying: amount, to: bob, from: mature, change: state.addresses[3].address,
            feeRate: 1_000, parameters: .regtest, key: keyFor)
        let fee = UInt64(tx.size)  // 1 unit per byte
        #expect(tx.outputs[0].amount == amount)
        #expect(tx.outputs[1].amount == 50 * ChainParameters.coin - amount - fee)
        let before = state.utxos.reduce(0) { $0 + $1.amount }

        let mempool = Mempool()
        #expect(try mempool.accept(tx, chain: t.chain, now: t.now).count == 1)
        WalletScanner.applyPending(tx, to: &state)
        #expect(state.utxos.reduce(0) { $0 + $1.amount } == before - amount - fee)
        #expect(state.history.last?.height == nil)
        #expect(state.history.last?.netAmount == -Int64(amount + fee))

        let block = t.block([tx], fees: fee)
        _ = try t.chain.acceptBlock(block)
        WalletScanner.apply(block, height: t.chain.height, to: &state)
        #expect(state.history.first { $0.txid == tx.txid }?.height == t.chain.height)
        #expect(state.utxos.first { $0.outpoint.txid == tx.txid }?.height == t.chain.height)
        // The block's coinbase pays the test miner, not the wallet: the balance is unchanged by it.
        #expect(state.utxos.reduce(0) { $0 + $1.amount } == before - amount - fee)
        #expect(state.utxos.allSatisfy { $0.height != nil })
    }

    @Test mutating func spendingMoreThanTheBalanceFailsClearly() throws {
        try mineToWallet(2)
        let bob = TestChain.address(TestChain.key(2))
        #expect(throws: PaymentBuilder.Failure.self) {
            try PaymentBuilder.build(
                paying: 101 * ChainParameters.coin, to: bob, from: state.utxos, change: state.addresses[3].address,
                feeRate: 1_000, parameters: .regtest, key: keyFor)
        }
        #expect(throws: PaymentBuilder.Failure.amountTooSmall(999)) {
            try PaymentBuilder.build(
                paying: 999, to: bob, from: state.utxos, change: state.addresses[3].address,
                feeRate: 1_000, parameters: .regtest, key: keyFor)
        }
    }

    @Test func amountsAreExactInBothDirections() {
        #expect(Coins.format(1) == "0.00000001")
        #expect(Coins.format(50 * ChainParameters.coin) == "50.00000000")
        #expect(Coins.format(123_456_789) == "1.23456789")
        #expect(Coins.parse("1.23456789") == 123_456_789)
        #expect(Coins.parse("0.1") == 10_000_000)
        #expect(Coins.parse("21000000") == ChainParameters.maximumMoney)
        for bad in ["", "1.", ".5", "1.234567891", "-1", "1e3", "21000000.00000001", "99999999999999999999", "1,5"] {
            #expect(Coins.parse(bad) == nil, "\(bad)")
        }
    }
}
