import ArgumentParser
import Foundation
import TallyNet
import TallyWallet
import TallyWire

/// Syncs `file`'s state with the node, in memory.
func sync(_ file: inout WalletFile, secret: WalletSecret, options: WalletOptions, node: NodeOptions) throws -> LightSync.Report {
    let (host, port) = try node.target(for: options.network)
    let client: PeerClient
    do { client = try PeerClient(host: host, port: port, network: options.network, userAgent: "/tally-wallet:0.1/") } catch {
        throw ValidationError("cannot reach the node at \(host):\(port): \(error)")
    }
    defer { client.close() }
    var state = file.state
    let report = try LightSync(client: client, network: options.network).run(&state, master: try secret.masterKey())
    file.state = state
    return report
}

/// Syncs and saves the file (only the public state changes; the secret stays sealed).
func syncAndSave(_ file: inout WalletFile, secret: WalletSecret, options: WalletOptions, node: NodeOptions) throws -> LightSync.Report {
    let report = try sync(&file, secret: secret, options: options, node: node)
    try options.save(file)
    return report
}

func printSummary(_ state: WalletState, report: LightSync.Report, options: WalletOptions) throws {
    if options.json {
        try printJSON(report)
    } else {
        let confirmed = state.utxos.filter { $0.height != nil }.reduce(0) { $0 + $1.amount }
        let pending = state.utxos.filter { $0.height == nil }.reduce(0) { $0 + $1.amount }
        print("synced to height \(report.height) (\(report.blocksScanned) block(s) scanned\(report.rescanned ? ", rescanned" : "")): balance \(Coins.format(confirmed)), pending \(Coins.format(pending))")
    }
}

struct Sync: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Catch up with the node: new blocks, pending payments, rebroadcast of unmined sends.")

    @OptionGroup var options: WalletOptions
    @OptionGroup var node: NodeOptions

    @Flag(help: "Keep syncing every few seconds until interrupted.")
    var follow = false

    @Option(help: "Seconds between syncs with --follow.")
    var interval = 5.0

    func run() throws {
        var (file, secret) = try options.unlock()
        repeat {
            let report = try syncAndSave(&file, secret: secret, options: options, node: node)
            try printSummary(file.state, report: report, options: options)
            if follow { Thread.sleep(forTimeInterval: interval) }
        } while follow
    }
}
