import ArgumentParser
import Foundation
import TallyCommandLine
import TallyNet
import TallyWallet
import TallyWire

/// Syncs `file`'s state with the node, in memory.
func sync(
    _ file: inout WalletFile, secret: WalletSecret, options: WalletOptions, node: NodeOptions,
    purpose: String = "sync the wallet"
) throws -> LightSync.Report {
    let target = try node.target(for: options.network)
    let client = try connect(to: target, network: options.network, for: purpose)
    defer { client.close() }
    var state = file.state
    let report: LightSync.Report
    do {
        report = try LightSync(client: client, network: options.network).run(&state, master: try secret.masterKey())
    } catch let failure as PeerClient.Failure {
        throw nodeFailure(failure, target: target, network: options.network, purpose: purpose)
    }
    file.state = state
    return report
}

/// Syncs and saves the file (only the public state changes; the secret stays sealed).
func syncAndSave(
    _ file: inout WalletFile, secret: WalletSecret, options: WalletOptions, node: NodeOptions
) throws -> LightSync.Report {
    let report = try sync(&file, secret: secret, options: options, node: node)
    try options.save(file, consequence: "the wallet keeps its state from before this sync")
    return report
}

func printSummary(_ state: WalletState, report: LightSync.Report, options: WalletOptions) throws {
    let balances = state.totalBalances(maturity: options.network.parameters.coinbaseMaturity)
    if options.json {
        var withBalances = report
        withBalances.balances = BalanceRow(balances)
        try printJSON(withBalances)
    } else {
        let rescan = report.rescanned ? ", after a rescan from genesis" : ""
        print(
            "synced to height \(report.height): \(report.blocksScanned) block(s) scanned\(rescan); "
                + "spendable \(Coins.format(balances.spendable)), immature \(Coins.format(balances.immature)), "
                + "pending in \(Coins.format(balances.pendingIn)), pending out \(Coins.format(balances.pendingOut)), "
                + "total \(Coins.format(balances.total))")
        if report.rebroadcast > 0 {
            print(
                "sent \(report.rebroadcast) unmined payment(s) again: \(report.rebroadcastAccepted) taken by the node")
        }
        for refusal in report.refused {
            print(
                "the node refuses payment \(refusal.txid): \(refusal.reason); 'tally-wallet abandon \(refusal.txid)' releases its coins"
            )
        }
    }
}

struct Sync: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Catch up with the node: new blocks, pending payments, rebroadcast of unmined sends.")

    @OptionGroup var options: WalletOptions
    @OptionGroup var node: NodeOptions

    @Flag(help: "Keep syncing every few seconds until interrupted.")
    var follow = false

    @Option(help: "Seconds between syncs with --follow.")
    var interval = 5.0

    func validate() throws {
        guard interval >= 0.1 else { throw ValidationError("--interval is at least 0.1 seconds") }
    }

    func run() throws {
        var (file, secret) = try options.unlock()
        repeat {
            let report = try syncAndSave(&file, secret: secret, options: options, node: node)
            try printSummary(file.state, report: report, options: options)
            if follow { Thread.sleep(forTimeInterval: interval) }
        } while follow
    }
}
