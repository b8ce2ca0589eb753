import ArgumentParser
import Foundation
import TallyCrypto
import TallyNet
import TallyWallet
import TallyWire

struct Send: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Pay an amount (in coins, e.g. 1.5) to an address or a local label; change goes to a new internal address.")

    @OptionGroup var options: WalletOptions
    @OptionGroup var node: NodeOptions

    @Argument(help: "Spend from: an address label, an address index, or 'any'.")
    var from: String

    @Argument(help: "Amount in coins, up to 8 decimals.")
    var amount: String

    @Argument(help: "Recipient: an address, or the label of one of this wallet's addresses.")
    var to: String

    @Option(help: "Fee rate in base units per 1,000 bytes.")
    var feeRate: UInt64 = 1_000

    func run() throws {
        guard let units = Coins.parse(amount) else { throw ValidationError("'\(amount)' is not an amount in coins (up to 8 decimals)") }
        var (file, secret) = try options.unlock()
        let master = try secret.masterKey()
        // Up to date first (in memory: a send that fails leaves the file as it was).
        _ = try sync(&file, secret: secret, options: options, node: node)
        var state = file.state

        let recipient: AddressHash
        if let local = state.issuedAddresses.first(where: { $0.label == to && !$0.label.isEmpty }) {
            recipient = local.address.hash
        } else {
            do { recipient = try Address(parsing: to, network: options.network).hash } catch {
                throw ValidationError("recipient '\(to)': \(error)")
            }
        }
        let sources: [WalletState.AddressRecord]
        switch from {
        case "any": sources = state.addresses
        default:
            sources = state.issuedAddresses.filter { $0.label == from || (UInt32(from) == $0.index && !$0.change) }
            guard !sources.isEmpty else { throw ValidationError("no address labelled or numbered '\(from)'") }
        }
        let height = state.scannedHeight ?? 0
        let spendable = state.utxos.filter { coin in
            sources.contains { $0.address == coin.address } && coin.height != nil
                && (!coin.coinbase || height + 1 - coin.height! >= options.network.parameters.coinbaseMaturity)
        }
        let change = try state.issueAddress(label: "change", change: true, master: master, network: options.network)
        let keys = Dictionary(state.addresses.map { ($0.address, $0) }, uniquingKeysWith: { first, _ in first })
        let tx: Transaction
        do {
            tx = try PaymentBuilder.build(paying: units, to: recipient, from: spendable, change: change.address, feeRate: feeRate,
                                          parameters: options.network.parameters) { address in
                guard let record = keys[address] else { return nil }
                return try? master.derive(.tally(network: options.network, account: record.account, change: record.change,
                                                 index: record.index)).signingKey
            }
        } catch {
            throw ValidationError("\(error)")
        }

        let (host, port) = try node.target(for: options.network)
        let client = try PeerClient(host: host, port: port, network: options.network, userAgent: "/tally-wallet:0.1/")
        defer { client.close() }
        if let reject = try client.submit(tx, waitForReject: 1) {
            throw ValidationError("the node rejected the payment: \(reject.reason)")
        }
        WalletScanner.applyPending(tx, to: &state)
        state.pending.append(Hex.encode(tx.encoded))
        _ = try state.extendLookahead(master: master, network: options.network)
        file.state = state
        try options.save(file)
        let fee = spendable.filter { coin in tx.inputs.contains { $0.outpoint == coin.outpoint } }.reduce(0) { $0 + $1.amount }
            - tx.outputs.reduce(0) { $0 + $1.amount }
        if options.json {
            try printJSON(["txid": tx.txid.description, "amount": Coins.format(units), "fee": Coins.format(fee)])
        } else {
            print("sent \(Coins.format(units)) (fee \(Coins.format(fee))) in \(tx.txid)")
        }
    }
}
