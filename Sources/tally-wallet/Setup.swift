import ArgumentParser
import Foundation
import TallyCommandLine
import TallyCrypto
import TallyWallet
import TallyWire

/// How hard the passphrase is to guess by brute force: Argon2id's cost, stored in the file.
enum KeyCost: String, ExpressibleByArgument, CaseIterable {
    case moderate, interactive

    var cost: Argon2id.Cost { self == .moderate ? .moderate : .interactive }
}

/// A new wallet file holding `mnemonic`, with its first receiving address and the look-ahead.
func makeWallet(
    _ mnemonic: Mnemonic, mnemonicPassphrase: String, options: WalletOptions, cost: KeyCost
) throws -> (WalletFile, WalletSecret) {
    guard !FileManager.default.fileExists(atPath: options.url.path) else {
        throw CommandFailure("\(options.url.path) exists: choose another --wallet (nothing was changed)")
    }
    let secret = WalletSecret(mnemonic: mnemonic, mnemonicPassphrase: mnemonicPassphrase)
    let master = try secret.masterKey()
    var state = WalletState()
    _ = try state.issueAddress(label: "default", change: false, master: master, network: options.network)
    _ = try state.extendLookahead(master: master, network: options.network)
    let file = try WalletFile(
        sealing: secret, passphrase: try options.passphrase(confirm: true), network: options.network,
        state: state, cost: cost.cost)
    try options.save(file)
    return (file, secret)
}

struct Create: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create a wallet and show its mnemonic once.")

    @OptionGroup var options: WalletOptions

    @Option(help: "Mnemonic length: 12 or 24 words.")
    var words = 12

    @Option(help: "Extra BIP-39 passphrase (the '25th word'); needed again to restore.")
    var mnemonicPassphrase = ""

    @Option(help: "Passphrase hardening: moderate (256 MiB) or interactive (64 MiB).")
    var keyCost = KeyCost.moderate

    func validate() throws {
        guard words == 12 || words == 24 else { throw ValidationError("--words is 12 or 24") }
    }

    func run() throws {
        let mnemonic = try Mnemonic.generate(wordCount: words)
        let (file, _) = try makeWallet(
            mnemonic, mnemonicPassphrase: mnemonicPassphrase, options: options, cost: keyCost)
        let address = file.state.issuedAddresses[0].address
        if options.json {
            try printJSON(["wallet": options.url.path, "mnemonic": mnemonic.phrase, "address": address.description])
        } else {
            print(
                """
                Wallet created: \(options.url.path)

                Write these \(words) words down, in order, and keep them offline. They are the only way to
                restore this wallet; this is the only time they are shown.

                    \(mnemonic.phrase)

                First address: \(address)
                """)
        }
    }
}

struct Restore: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Restore a wallet from its mnemonic and find its coins on the chain.")

    @OptionGroup var options: WalletOptions
    @OptionGroup var node: NodeOptions

    @Option(help: "The mnemonic words (default: asked for).")
    var mnemonic: String?

    @Option(help: "The extra BIP-39 passphrase it was created with, if any.")
    var mnemonicPassphrase = ""

    @Option(help: "Passphrase hardening for the new file: moderate or interactive.")
    var keyCost = KeyCost.moderate

    func run() throws {
        let phrase =
            try mnemonic
            ?? {
                print("Mnemonic: ", terminator: "")
                guard let line = readLine(), !line.isEmpty else {
                    throw CommandFailure("no mnemonic given: type the words, or pass --mnemonic")
                }
                return line
            }()
        let parsed: Mnemonic
        do { parsed = try Mnemonic(phrase: phrase) } catch { throw CommandFailure("\(error): nothing was written") }
        var (file, secret) = try makeWallet(
            parsed, mnemonicPassphrase: mnemonicPassphrase, options: options, cost: keyCost)
        let report = try syncAndSave(&file, secret: secret, options: options, node: node)
        try printSummary(file.state, report: report, options: options)
    }
}
