import ArgumentParser
import Foundation
import TallyCommandLine
import TallyCrypto
import TallyNet
import TallyWallet
import TallyWire

struct Send: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Pay an amount (in coins, e.g. 1.5) to an address or a local label; change goes to a new internal address.",
        discussion: """
            The payment is saved in the wallet before it is sent, and the command waits for the node's \
            verdict: taken (exit 0, shown as pending out) or refused (exit 1 with the node's reason; \
            the coins stay spendable). A node that cannot be reached leaves the payment saved as \
            unbroadcast: 'sync' sends it, 'abandon TXID' cancels it.
            """)

    @OptionGroup var options: WalletOptions
    @OptionGroup var node: NodeOptions

    @Argument(help: "Spend from: an address label, an address index, or 'any'.")
    var from: String

    @Argument(help: "Amount in coins, up to 8 decimals.")
    var amount: String

    @Argument(help: "Recipient: an address, or the label of one of this wallet's addresses.")
    var to: String

    @Option(
        help: ArgumentHelp(
            "Fee rate in base units per 1,000 bytes, at least the network's minimum of \(PaymentBuilder.minimumFeeRate).",
            valueName: "units"))
    var feeRate: UInt64 = PaymentBuilder.minimumFeeRate

    @Flag(
        help:
            "Pay from the coins the wallet knew at its last sync, without syncing first (the node refuses a payment whose coins are spent)."
    )
    var noSync = false

    func validate() throws {
        guard Coins.parse(amount) != nil else {
            throw ValidationError(
                "'\(amount)' is not an amount in coins: a positive number with up to 8 decimals, e.g. 1.5")
        }
        guard feeRate >= PaymentBuilder.minimumFeeRate else {
            throw ValidationError(
                "--fee-rate \(feeRate) is below the network's minimum of \(PaymentBuilder.minimumFeeRate) units per 1,000 bytes: no node would relay the payment"
            )
        }
    }

    func run() throws {
        let units = Coins.parse(amount)!
        var (file, secret) = try options.unlock()
        let master = try secret.masterKey()
        // Up to date first (in memory: a send that fails leaves the file as it was).
        if !noSync { _ = try sync(&file, secret: secret, options: options, node: node, purpose: "sync before paying") }
        var state = file.state
        let before = state

        let recipient = try recipientHash(in: state)
        let sources: [WalletState.AddressRecord]
        switch from {
        case "any": sources = state.addresses
        default:
            sources = state.issuedAddresses.filter { !$0.change && ($0.label == from || UInt32(from) == $0.index) }
            guard !sources.isEmpty else {
                throw CommandFailure(
                    "no address of this wallet is labelled or numbered '\(from)': see 'tally-wallet list'")
            }
        }
        let maturity = options.network.parameters.coinbaseMaturity
        let spendable = state.utxos.filter { coin in
            sources.contains { $0.address == coin.address } && state.isSpendable(coin, maturity: maturity)
        }
        let change = try state.issueAddress(label: "change", change: true, master: master, network: options.network)
        let keys = Dictionary(state.addresses.map { ($0.address, $0) }, uniquingKeysWith: { first, _ in first })
        let tx: Transaction
        do {
            tx = try PaymentBuilder.build(
                paying: units, to: recipient, from: spendable, change: change.address, feeRate: feeRate,
                parameters: options.network.parameters
            ) { address in
                guard let record = keys[address] else { return nil }
                return try? master.derive(
                    .tally(
                        network: options.network, account: record.account, change: record.change,
                        index: record.index)
                ).signingKey
            }
        } catch .insufficientFunds(let available, let needed) {
            let immature = state.utxos.filter { coin in
                sources.contains { $0.address == coin.address } && coin.height != nil
                    && !state.isSpendable(coin, maturity: maturity)
            }.reduce(0) { $0 + $1.amount }
            throw CommandFailure(
                "insufficient funds: \(Coins.format(available)) spendable, \(Coins.format(needed)) needed (amount plus fee)"
                    + (immature > 0 ? "; \(Coins.format(immature)) more are immature coinbase outputs" : ""))
        } catch {
            throw CommandFailure("\(error)")
        }

        // Saved before it leaves: whatever happens next, the wallet knows this payment.
        WalletScanner.applyPending(tx, to: &state)
        state.unbroadcast.append(Hex.encode(tx.encoded))
        _ = try state.extendLookahead(master: master, network: options.network)
        file.state = state
        try options.save(file, consequence: "nothing was sent")

        let target = try node.target(for: options.network)
        let verdict: Verdict
        do {
            let client = try connect(to: target, network: options.network, for: "send the payment")
            defer { client.close() }
            verdict = try sendForVerdict(tx, client: client)
        } catch let failure as PeerClient.Failure {
            throw unknownOutcome(
                nodeFailure(failure, target: target, network: options.network, purpose: "send the payment"),
                txid: tx.txid)
        } catch let failure as CommandFailure {
            throw unknownOutcome(failure, txid: tx.txid)
        }

        guard verdict == .accepted else {
            file.state = before
            try options.save(
                file,
                consequence:
                    "the refused payment stays in the wallet as unbroadcast; 'tally-wallet abandon \(tx.txid)' releases its coins"
            )
            throw CommandFailure(
                "the node at \(target.host):\(target.port) refused the payment: \(verdict.explanation); nothing was sent and the coins stay spendable"
            )
        }
        state.markSent(tx.txid)
        file.state = state
        try options.save(
            file,
            consequence:
                "the node took payment \(tx.txid) but the wallet still calls it unbroadcast; the next 'tally-wallet sync' corrects that"
        )

        let fee =
            spendable.filter { coin in tx.inputs.contains { $0.outpoint == coin.outpoint } }.reduce(0) {
                $0 + $1.amount
            }
            - tx.outputs.reduce(0) { $0 + $1.amount }
        if options.json {
            try printJSON([
                "txid": tx.txid.description, "amount": Coins.format(units), "fee": Coins.format(fee),
                "node": "\(target.host):\(target.port)",
            ])
        } else {
            print(
                "sent \(Coins.format(units)) (fee \(Coins.format(fee))) in \(tx.txid): the node at \(target.host):\(target.port) took it; it shows as pending out until mined"
            )
        }
    }

    /// The recipient: one of this wallet's receiving labels (it must name exactly one), else an address.
    private func recipientHash(in state: WalletState) throws -> AddressHash {
        let labelled = state.issuedAddresses.filter { !$0.change && !$0.label.isEmpty && $0.label == to }
        if labelled.count > 1 {
            throw CommandFailure(
                "the label '\(to)' names \(labelled.count) addresses (\(labelled.map { String($0.index) }.joined(separator: ", "))): pay to the address itself"
            )
        }
        if let local = labelled.first { return local.address.hash }
        do {
            return try Address(parsing: to, network: options.network).hash
        } catch Address.ParseError.wrongNetwork(let expected, let found) {
            throw CommandFailure(
                "the recipient '\(to)' is an address of another network (prefix '\(found)', this wallet's is '\(expected)')"
            )
        } catch {
            throw CommandFailure(
                "the recipient '\(to)' is neither a label of this wallet nor a valid address (\(options.network == .regtest ? "tlyrt1…" : "tly1…"), 42 or more characters; check for a typo)"
            )
        }
    }

    private func unknownOutcome(_ failure: CommandFailure, txid: Hash256) -> CommandFailure {
        CommandFailure(
            "\(failure.message). Payment \(txid) is saved in the wallet as unbroadcast: 'tally-wallet sync' sends it again, 'tally-wallet abandon \(txid)' cancels it",
            code: failure.code)
    }
}

struct Abandon: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Forget an unmined payment of this wallet and release its coins.",
        discussion: """
            For a payment that will never be mined: refused by the node, never sent, or in conflict. If a \
            node still holds it, it may yet be mined; a later sync then shows it again. Payments that spend \
            its change are abandoned with it.
            """)

    @OptionGroup var options: WalletOptions

    @Argument(help: "The payment's txid (as 'send' and 'history' show it).")
    var txid: String

    func validate() throws {
        guard txid.count == 64, Hash256(hex: txid) != nil else {
            throw ValidationError("'\(txid)' is not a txid (64 hex digits)")
        }
    }

    func run() throws {
        var file = try options.load()
        let hash = Hash256(hex: txid)!
        var state = file.state
        let maturity = options.network.parameters.coinbaseMaturity
        let before = state.totalBalances(maturity: maturity).spendable
        let abandoned = state.abandon(hash)
        guard !abandoned.isEmpty else {
            if state.history.contains(where: { $0.txid == hash && $0.height != nil }) {
                throw CommandFailure("payment \(txid) is already mined: it cannot be abandoned")
            }
            throw CommandFailure("\(txid) is not an unmined payment of this wallet: see 'tally-wallet history'")
        }
        file.state = state
        try options.save(file)
        let released = state.totalBalances(maturity: maturity).spendable - before
        if options.json {
            try printJSON(AbandonReport(abandoned: abandoned.map(\.description), released: Coins.format(released)))
        } else {
            print(
                "abandoned \(abandoned.map(\.description).joined(separator: ", ")): \(Coins.format(released)) spendable again"
            )
        }
    }

    struct AbandonReport: Codable {
        let abandoned: [String]
        let released: String
    }
}
