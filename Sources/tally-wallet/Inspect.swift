import ArgumentParser
import Foundation
import TallyCommandLine
import TallyCrypto
import TallyWallet
import TallyWire

/// For experts, in the style of libbitcoin-explorer's HD commands.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the BIP-39 seed and the SLIP-0010 key and address at a path.")

    @Option(help: "Mnemonic words.")
    var mnemonic: String?

    @Option(help: "Extra BIP-39 passphrase (the '25th word'), as 'create --mnemonic-passphrase' takes it.")
    var mnemonicPassphrase = ""

    @Option(help: "Seed as hex (instead of --mnemonic).")
    var seed: String?

    @Option(help: "Derivation path; the first receiving address, m/44'/COIN'/0'/0'/0', when not given.")
    var path: String?

    @Flag(help: "Use the regtest network (coin type and address prefix).")
    var regtest = false

    @Flag(help: "Also show the seed and private key.")
    var showSecrets = false

    @Flag(help: "Print JSON (keys seed, chainCode, privateKey, publicKey, address).")
    var json = false

    func validate() throws {
        guard (mnemonic == nil) != (seed == nil) else { throw ValidationError("give --mnemonic or --seed") }
    }

    func run() throws {
        let network: Network = regtest ? .regtest : .main
        let seedBytes: [UInt8]
        if let mnemonic {
            do { seedBytes = try Mnemonic(phrase: mnemonic).seed(passphrase: mnemonicPassphrase) } catch {
                throw CommandFailure("\(error)")
            }
        } else {
            guard let decoded = Hex.decode(seed!), (16...64).contains(decoded.count) else {
                throw ValidationError("--seed is 16 to 64 bytes of hex")
            }
            seedBytes = decoded
        }
        let derivation: DerivationPath
        do {
            derivation =
                try path.map { try DerivationPath(parsing: $0) }
                ?? .tally(network: network, account: 0, change: false, index: 0)
        } catch {
            throw CommandFailure("\(error)")
        }
        let key = try HDKey(seed: seedBytes).derive(derivation)
        let hidden = "(hidden: add --show-secrets)"
        let values: [(String, String)] = [
            ("path", derivation.description),
            ("seed", showSecrets ? Hex.encode(seedBytes) : hidden),
            ("chainCode", showSecrets ? Hex.encode(key.chainCode) : hidden),
            ("privateKey", showSecrets ? Hex.encode(key.privateKey) : hidden),
            ("publicKey", Hex.encode(key.publicKey)),
            ("address", key.address(on: network).description),
        ]
        if json {
            try printJSON(Dictionary(uniqueKeysWithValues: values.filter { showSecrets || $0.1 != hidden }))
        } else {
            for (name, value) in values { print("\(name): \(value)") }
        }
    }
}
