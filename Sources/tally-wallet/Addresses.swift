import ArgumentParser
import Foundation
import TallyWallet
import TallyWire

struct NewAddress: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "new-address", abstract: "Hand out new receiving addresses (in bulk with --count).")

    @OptionGroup var options: WalletOptions

    @Argument(help: "A label for the address (numbered when --count > 1).")
    var label = ""

    @Option(help: "How many addresses.")
    var count = 1

    func validate() throws {
        guard (1...10_000).contains(count) else { throw ValidationError("--count is 1 to 10,000") }
    }

    func run() throws {
        var (file, secret) = try options.unlock()
        let master = try secret.masterKey()
        var issued: [WalletState.AddressRecord] = []
        for n in 0..<count {
            let name = count == 1 ? label : "\(label.isEmpty ? "address" : label)-\(n + 1)"
            issued.append(try file.state.issueAddress(label: name, change: false, master: master, network: options.network))
        }
        _ = try file.state.extendLookahead(master: master, network: options.network)
        try options.save(file)
        if options.json {
            try printJSON(issued.map { AddressRow(label: $0.label, index: $0.index, address: $0.address.description, confirmed: "0.00000000", pendingIn: "0.00000000", pendingOut: "0.00000000") })
        } else {
            for record in issued { print("\(record.index)\t\(record.label)\t\(record.address)") }
        }
    }
}

/// One line of `list`: balances in coins with 8 decimals.
struct AddressRow: Codable {
    let label: String
    let index: UInt32
    let address: String
    let confirmed: String
    let pendingIn: String
    let pendingOut: String
}

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Addresses with their confirmed balance and pending amounts in and out.")

    @OptionGroup var options: WalletOptions

    func run() throws {
        let state = try options.load().state
        let rows = state.issuedAddresses.filter { !$0.change }.sorted { $0.index < $1.index }.map { record in
            let coins = state.utxos.filter { $0.address == record.address }
            let confirmed = coins.filter { $0.height != nil }.reduce(0) { $0 + $1.amount }
            let pendingIn = coins.filter { $0.height == nil }.reduce(0) { $0 + $1.amount }
            let pendingOut = pendingSpends(state, of: record.address)
            return AddressRow(label: record.label, index: record.index, address: record.address.description,
                              confirmed: Coins.format(confirmed), pendingIn: Coins.format(pendingIn), pendingOut: Coins.format(pendingOut))
        }
        let change = state.utxos.filter { coin in state.addresses.contains { $0.change && $0.address == coin.address } }
        if options.json {
            try printJSON(ListReport(addresses: rows, change: Coins.format(change.reduce(0) { $0 + $1.amount }),
                                     total: Coins.format(state.utxos.reduce(0) { $0 + $1.amount }), height: state.scannedHeight ?? 0))
        } else {
            print("index  label            address                                           confirmed      pending in     pending out")
            for row in rows {
                print("\(pad(String(row.index), 6)) \(pad(row.label, 16)) \(pad(row.address, 49)) \(pad(row.confirmed, 14)) \(pad(row.pendingIn, 14)) \(row.pendingOut)")
            }
            print("change \(Coins.format(change.reduce(0) { $0 + $1.amount })), total \(Coins.format(state.utxos.reduce(0) { $0 + $1.amount })) at height \(state.scannedHeight ?? 0)")
        }
    }

    struct ListReport: Codable {
        let addresses: [AddressRow]
        let change: String
        let total: String
        let height: UInt32
    }

    private func pad(_ text: String, _ width: Int) -> String { text.count >= width ? text : text + String(repeating: " ", count: width - text.count) }
}

/// What unconfirmed transactions take from an address.
func pendingSpends(_ state: WalletState, of address: Address) -> UInt64 {
    state.pendingSpent.filter { $0.address == address }.reduce(0) { $0 + $1.amount }
}

struct History: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Transactions that moved this wallet's money, newest last.")

    @OptionGroup var options: WalletOptions

    struct Row: Codable {
        let txid: String
        let height: UInt32?
        let amount: String
        let direction: String
    }

    func run() throws {
        let state = try options.load().state
        let rows = state.history.map {
            Row(txid: $0.txid.description, height: $0.height, amount: Coins.format(UInt64($0.netAmount.magnitude)),
                direction: $0.netAmount >= 0 ? "in" : "out")
        }
        if options.json {
            try printJSON(rows)
        } else {
            for row in rows { print("\(row.height.map(String.init) ?? "pending")\t\(row.direction)\t\(row.amount)\t\(row.txid)") }
        }
    }
}

