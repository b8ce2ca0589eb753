import ArgumentParser
import Foundation
import TallyCommandLine
import TallyWallet
import TallyWire

struct NewAddress: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "new-address", abstract: "Hand out new receiving addresses (in bulk with --count).")

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
        let names = (0..<count).map { n in count == 1 ? label : "\(label.isEmpty ? "address" : label)-\(n + 1)" }
        // A label names one address: `send … LABEL` must never have to guess.
        for name in names where !name.isEmpty {
            if let taken = file.state.issuedAddresses.first(where: { !$0.change && $0.label == name }) {
                throw CommandFailure(
                    "the label '\(name)' is already used by address \(taken.index): choose another (nothing was changed)"
                )
            }
        }
        var issued: [WalletState.AddressRecord] = []
        for name in names {
            issued.append(
                try file.state.issueAddress(label: name, change: false, master: master, network: options.network))
        }
        _ = try file.state.extendLookahead(master: master, network: options.network)
        try options.save(file)
        if options.json {
            try printJSON(
                issued.map {
                    AddressRow(
                        label: $0.label, index: $0.index, address: $0.address.description,
                        balances: BalanceRow(Balances()))
                })
        } else {
            for record in issued { print("\(record.index)\t\(record.label)\t\(record.address)") }
        }
    }
}

/// Balances in coins with 8 decimals, as `list`, `sync` and `--json` show them.
struct BalanceRow: Codable, Equatable {
    let spendable: String
    let immature: String
    let pendingIn: String
    let pendingOut: String
    let total: String

    init(_ balances: Balances) {
        spendable = Coins.format(balances.spendable)
        immature = Coins.format(balances.immature)
        pendingIn = Coins.format(balances.pendingIn)
        pendingOut = Coins.format(balances.pendingOut)
        total = Coins.format(balances.total)
    }
}

/// One receiving address of `list`.
struct AddressRow: Codable {
    let label: String
    let index: UInt32
    let address: String
    let balances: BalanceRow

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(label, forKey: .label)
        try c.encode(index, forKey: .index)
        try c.encode(address, forKey: .address)
        try c.encode(balances.spendable, forKey: .spendable)
        try c.encode(balances.immature, forKey: .immature)
        try c.encode(balances.pendingIn, forKey: .pendingIn)
        try c.encode(balances.pendingOut, forKey: .pendingOut)
        try c.encode(balances.total, forKey: .total)
    }

    enum CodingKeys: String, CodingKey { case label, index, address, spendable, immature, pendingIn, pendingOut, total }

    init(label: String, index: UInt32, address: String, balances: BalanceRow) {
        self.label = label
        self.index = index
        self.address = address
        self.balances = balances
    }

    init(from decoder: any Decoder) throws {
        throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "written only"))
    }
}

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Receiving addresses and the wallet's balances: spendable, immature, pending in, pending out, total.",
        discussion: """
            spendable: confirmed coins the next block may spend; immature: coinbases not yet 100 blocks \
            deep; pending in: unconfirmed coins to the wallet (the change of its own payments included); \
            pending out: amounts paid plus fees of its unmined payments; total = spendable + immature + \
            pending in. Change addresses are summed on one line.
            """)

    @OptionGroup var options: WalletOptions

    func run() throws {
        let state = try options.load().state
        let maturity = options.network.parameters.coinbaseMaturity
        let perAddress = state.balances(maturity: maturity)
        let rows = state.issuedAddresses.filter { !$0.change }.sorted { $0.index < $1.index }.map { record in
            AddressRow(
                label: record.label, index: record.index, address: record.address.description,
                balances: BalanceRow(perAddress[record.address] ?? Balances()))
        }
        let changeAddresses = Set(state.addresses.filter(\.change).map(\.address))
        var change = Balances()
        for (address, balances) in perAddress where changeAddresses.contains(address) {
            change.spendable += balances.spendable
            change.immature += balances.immature
            change.pendingIn += balances.pendingIn
            change.pendingOut += balances.pendingOut
        }
        let wallet = state.totalBalances(maturity: maturity)
        if options.json {
            try printJSON(
                ListReport(
                    addresses: rows, change: BalanceRow(change), wallet: BalanceRow(wallet),
                    height: state.scannedHeight ?? 0))
        } else {
            let columns = ["spendable", "immature", "pending in", "pending out", "total"]
            print(pad("index", 6) + pad("label", 17) + pad("address", 50) + columns.map { pad($0, 16) }.joined())
            func amounts(_ b: BalanceRow) -> String {
                [b.spendable, b.immature, b.pendingIn, b.pendingOut, b.total].map { pad($0, 16) }.joined()
            }
            for row in rows {
                print(pad(String(row.index), 6) + pad(row.label, 17) + pad(row.address, 50) + amounts(row.balances))
            }
            print(pad("", 6) + pad("change", 17) + pad("(internal addresses)", 50) + amounts(BalanceRow(change)))
            print(
                pad("", 6) + pad("wallet", 17) + pad("at height \(state.scannedHeight ?? 0)", 50)
                    + amounts(BalanceRow(wallet)))
        }
    }

    struct ListReport: Codable {
        let addresses: [AddressRow]
        let change: BalanceRow
        let wallet: BalanceRow
        let height: UInt32
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }
}

struct History: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Transactions that moved this wallet's money, newest last.")

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
            Row(
                txid: $0.txid.description, height: $0.height, amount: Coins.format(UInt64($0.netAmount.magnitude)),
                direction: $0.netAmount >= 0 ? "in" : "out")
        }
        if options.json {
            try printJSON(rows)
        } else {
            for row in rows {
                print("\(row.height.map(String.init) ?? "pending")\t\(row.direction)\t\(row.amount)\t\(row.txid)")
            }
        }
    }
}
