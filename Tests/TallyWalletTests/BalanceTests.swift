import Foundation
import TallyChain
import TallyCrypto
import TallyTestSupport
import TallyWire
import Testing

@testable import TallyWallet

/// The figures `list` shows add up, and abandoning a payment gives its coins back exactly.
@Suite struct BalanceTests {
    static let coin = ChainParameters.coin

    /// A wallet with one receiving and one change address.
    static func wallet() throws -> (WalletState, HDKey, Address, Address) {
        let master = try WalletSecret(
            mnemonic: try Mnemonic(
                phrase: "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about")
        ).masterKey()
        let receive = try master.derive(.tally(network: .regtest, account: 0, change: false, index: 0)).address(
            on: .regtest)
        let change = try master.derive(.tally(network: .regtest, account: 0, change: true, index: 0)).address(
            on: .regtest)
        var state = WalletState()
        state.addresses = [
            WalletState.AddressRecord(label: "default", account: 0, change: false, index: 0, address: receive),
            WalletState.AddressRecord(label: "change", account: 0, change: true, index: 0, address: change),
        ]
        return (state, master, receive, change)
    }

    static func coin(
        _ n: UInt8, _ amount: UInt64, _ address: Address, height: UInt32?, coinbase: Bool
    ) -> WalletState.Coin {
        WalletState.Coin(
            outpoint: OutPoint(txid: Hash256(bytes: Array(repeating: n, count: 32)), index: 0), amount: amount,
            address: address,
            height: height, coinbase: coinbase)
    }

    @Test func immatureCoinbasesAreNotSpendable() throws {
        var (state, _, receive, _) = try Self.wallet()
        state.scannedHeight = 200
        state.utxos = [
            Self.coin(1, 50 * Self.coin, receive, height: 101, coinbase: true),  // 200 + 1 - 101 = 100: mature
            Self.coin(2, 50 * Self.coin, receive, height: 102, coinbase: true),  // 99 deep: immature
            Self.coin(3, 3 * Self.coin, receive, height: 200, coinbase: false),
            Self.coin(4, 2 * Self.coin, receive, height: nil, coinbase: false),
        ]
        let balances = state.totalBalances(maturity: 100)
        #expect(balances.spendable == 53 * Self.coin)
        #expect(balances.immature == 50 * Self.coin)
        #expect(balances.pendingIn == 2 * Self.coin)
        #expect(balances.pendingOut == 0)
        #expect(balances.total == 105 * Self.coin)
    }

    @Test func pendingOutIsTheAmountPaidPlusFeeAndAbandonGivesTheCoinsBack() throws {
        var (state, master, receive, change) = try Self.wallet()
        state.scannedHeight = 300
        state.utxos = [Self.coin(1, 50 * Self.coin, receive, height: 10, coinbase: true)]
        let before = state
        let bob = TestChain.address(TestChain.key(2))
        let tx = try PaymentBuilder.build(
            paying: Self.coin + Self.coin / 4, to: bob, from: state.utxos, change: change, feeRate: 1_000,
            parameters: .regtest
        ) { _ in try? master.derive(.tally(network: .regtest, account: 0, change: false, index: 0)).signingKey }
        let fee = UInt64(tx.size)
        WalletScanner.applyPending(tx, to: &state)
        state.unbroadcast.append(Hex.encode(tx.encoded))
        let perAddress = state.balances(maturity: 100)
        // The payment, not the 50 it spent.
        #expect(perAddress[receive]?.pendingOut == Self.coin + Self.coin / 4 + fee)
        #expect(perAddress[receive]?.spendable == 0)
        #expect(perAddress[change]?.pendingIn == 50 * Self.coin - Self.coin - Self.coin / 4 - fee)
        #expect(state.totalBalances(maturity: 100).total == 50 * Self.coin - Self.coin - Self.coin / 4 - fee)

        state.markSent(tx.txid)
        #expect(state.pending.count == 1 && state.unbroadcast.isEmpty)
        #expect(state.abandon(Hash256(bytes: Array(repeating: 9, count: 32))).isEmpty)
        #expect(state.abandon(tx.txid) == [tx.txid])
        #expect(
            state.utxos == before.utxos && state.pendingSpent.isEmpty && state.history.isEmpty && state.pending.isEmpty)
    }

    @Test func aFeeRateBelowTheNetworksMinimumIsRefusedBeforeSigning() throws {
        let (state, _, receive, change) = try Self.wallet()
        var signed = false
        #expect(throws: PaymentBuilder.Failure.feeRateTooLow(999)) {
            _ = try PaymentBuilder.build(
                paying: Self.coin, to: receive.hash,
                from: [Self.coin(1, 50 * Self.coin, receive, height: 1, coinbase: false)],
                change: change, feeRate: 999, parameters: .regtest
            ) { _ in
                signed = true
                return nil
            }
        }
        #expect(!signed && state.unbroadcast.isEmpty)
    }

    @Test func unbroadcastSurvivesTheFileAndOldFilesReadWithoutIt() throws {
        var state = WalletState()
        state.unbroadcast = ["00"]
        let decoded = try WalletState.decode(json: try state.jsonBytes())
        #expect(decoded.unbroadcast == ["00"])
        #expect(
            try WalletState.decode(json: Array(#"{"accounts":[],"addresses":[],"utxos":[],"history":[]}"#.utf8))
                .unbroadcast.isEmpty)
    }
}
