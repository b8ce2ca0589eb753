import Foundation
import TallyCrypto
import TallyTestSupport
import TallyWire
import Testing

@testable import TallyWallet

@Suite struct WalletStateTests {
    @Test func defaultStateHasOneAccount() {
        let state = WalletState()
        #expect(state.accounts == [.init(index: 0, label: "default", nextReceiveIndex: 0, nextChangeIndex: 0)])
        #expect(state.addresses.isEmpty && state.utxos.isEmpty && state.history.isEmpty)
        #expect(state.scannedHeight == nil && state.scannedTip == nil)
    }

    /// The JSON is what people and other programs see: display hashes, Bech32m addresses, TXID:INDEX.
    @Test func jsonForm() throws {
        let address = try Address(parsing: "tlyrt1qqqqsyqcyq5rqwzqfpg9scrgwpugpzysnd4rx5k", network: .regtest)
        let txid = Hash256(hex: "00000000000000000000000000000000000000000000000000000000000000ab")!
        let state = WalletState(
            accounts: [.init(index: 0, label: "a", nextReceiveIndex: 2, nextChangeIndex: 1)],
            addresses: [.init(label: "l", account: 0, change: true, index: 1, address: address)],
            utxos: [
                .init(outpoint: OutPoint(txid: txid, index: 4), amount: 9, address: address, height: 3, coinbase: false)
            ],
            history: [.init(txid: txid, height: nil, netAmount: -7)],
            scannedHeight: 3, scannedTip: txid)
        let json = String(decoding: try state.jsonBytes(), as: UTF8.self)
        let h = "00000000000000000000000000000000000000000000000000000000000000ab"
        let a = "tlyrt1qqqqsyqcyq5rqwzqfpg9scrgwpugpzysnd4rx5k"
        #expect(
            json == #"{"accounts":[{"index":0,"label":"a","nextChangeIndex":1,"nextReceiveIndex":2}],"#
                + #""addresses":[{"account":0,"address":"\#(a)","change":true,"index":1,"label":"l"}],"#
                + #""history":[{"netAmount":-7,"txid":"\#(h)"}],"scannedHeight":3,"scannedTip":"\#(h)","#
                + #""utxos":[{"address":"\#(a)","amount":9,"coinbase":false,"height":3,"outpoint":"\#(h):4"}]}"#)
        #expect(try WalletState.decode(json: Array(json.utf8)) == state)
    }

    /// Files from a later version may carry keys this one does not know; they are ignored.
    @Test func unknownKeysAreIgnored() throws {
        let json = #"{"accounts":[],"addresses":[],"utxos":[],"history":[],"birthday":1795392000,"scannedHeight":null}"#
        let state = try WalletState.decode(json: Array(json.utf8))
        #expect(state == WalletState(accounts: []))
    }

    @Test(
        "Malformed values are rejected",
        arguments: [
            #"{"accounts":[],"addresses":[],"utxos":[],"history":[{"txid":"ab","netAmount":1}]}"#,
            #"{"accounts":[],"addresses":[],"utxos":[],"history":[],"scannedTip":"zz"}"#,
            #"{"accounts":[],"addresses":[{"label":"x","account":0,"change":false,"index":0,"address":"bc1qnotours"}],"utxos":[],"history":[]}"#,
            #"{"accounts":[],"addresses":[],"utxos":[{"outpoint":"00000000000000000000000000000000000000000000000000000000000000ab:-1","amount":1,"address":"tlyrt1qqqqsyqcyq5rqwzqfpg9scrgwpugpzysnd4rx5k","coinbase":false}],"history":[]}"#,
            #"{"accounts":[],"addresses":[],"utxos":[],"history":[{"txid":"00000000000000000000000000000000000000000000000000000000000000ab","netAmount":1.5}]}"#,
            #"{"accounts":[],"addresses":[],"utxos":[]}"#,
            #"[]"#,
        ])
    func rejects(json: String) {
        #expect(throws: (any Error).self) { try WalletState.decode(json: Array(json.utf8)) }
    }
}
