import ArgumentParser
import Foundation
import TallyCommandLine
import TallyCrypto
import TallyNet
import TallyNode
import TallyWallet
import TallyWire

/// Options every command that opens a wallet shares, and the opening and saving themselves.
struct WalletOptions: ParsableArguments {
    @Option(name: .customLong("wallet"), help: "The wallet file (default: ~/.tally/wallets/NETWORK.wallet).")
    var path: String?

    @Flag(help: "Use the regtest network.")
    var regtest = false

    @Flag(help: "Print JSON.")
    var json = false

    var network: Network { regtest ? .regtest : .main }

    var url: URL {
        if let path { return URL(fileURLWithPath: path) }
        return homeDirectory().appendingPathComponent(".tally/wallets/\(network.rawValue).wallet")
    }

    /// The passphrase that encrypts the file: TALLY_WALLET_PASSPHRASE, or asked for on the terminal.
    func passphrase(confirm: Bool = false) throws -> String {
        if let fromEnvironment = ProcessInfo.processInfo.environment["TALLY_WALLET_PASSPHRASE"] {
            return fromEnvironment
        }
        guard let typed = getpass("Wallet passphrase: ").map({ String(cString: $0) }), !typed.isEmpty else {
            throw CommandFailure("a passphrase is needed: type it at the prompt, or set TALLY_WALLET_PASSPHRASE")
        }
        if confirm {
            guard let again = getpass("Again: ").map({ String(cString: $0) }), again == typed else {
                throw CommandFailure("the two passphrases differ: nothing was written; try again")
            }
        }
        return typed
    }

    func load() throws -> WalletFile {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            if !FileManager.default.fileExists(atPath: url.path) {
                throw CommandFailure(
                    "there is no wallet at \(url.path): create one with 'tally-wallet create\(regtest ? " --regtest" : "")', or name yours with --wallet"
                )
            }
            throw CommandFailure("cannot read the wallet \(sentence(for: error))")
        }
        do {
            let file = try WalletFile(decoding: [UInt8](data))
            guard file.network == network else {
                throw CommandFailure(
                    "\(url.path) is a \(file.network.rawValue) wallet: \(network == .regtest ? "drop" : "add") --regtest"
                )
            }
            return file
        } catch let error as WalletFileError {
            throw CommandFailure("\(url.path): \(error)")
        }
    }

    /// Loads the file and unlocks its secret; a wrong passphrase is a clear error and changes nothing.
    func unlock() throws -> (WalletFile, WalletSecret) {
        let file = try load()
        do {
            return (file, try file.unlock(passphrase: try passphrase()))
        } catch WalletFileError.wrongPassphrase {
            throw CommandFailure("wrong passphrase for \(url.path): nothing was changed")
        } catch let error as WalletFileError {
            throw CommandFailure("\(url.path): \(error)")
        }
    }

    /// Writes the file atomically (temporary file, fsync, rename): a crash leaves the old or the new.
    /// `consequence` says what a failure means for the user ("nothing was sent").
    func save(_ file: WalletFile, consequence: String = "nothing was changed") throws {
        do {
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try AtomicFile.write(try file.encoded(), to: url)
        } catch let error as WalletFileError {
            throw CommandFailure("cannot write \(url.path): \(error); \(consequence)")
        } catch {
            throw CommandFailure(
                "cannot write the wallet \(url.path) (\(reasonOnly(error))): \(consequence); check the directory's permissions and free space"
            )
        }
    }
}

/// `$HOME` when set (as every Unix tool honours it), else the user's home from the password database.
func homeDirectory() -> URL {
    if let home = ProcessInfo.processInfo.environment["HOME"], !home.isEmpty { return URL(fileURLWithPath: home) }
    return FileManager.default.homeDirectoryForCurrentUser
}

/// Which node to talk to.
struct NodeOptions: ParsableArguments {
    @Option(
        help:
            "The node, host:port (default: the node with the most work announcing itself on the discovery port, else 127.0.0.1 and the network's port)."
    )
    var node: String?

    func target(for network: Network) throws -> (host: String, port: Int) {
        let text = node ?? discovered(network) ?? "127.0.0.1:\(network.defaultPort)"
        do {
            let target = try HostPort(parsing: text)
            return (target.host, target.port)
        } catch {
            throw ValidationError("--node \(error)")
        }
    }
}

/// The node with the most work heard within two seconds on the network's discovery port (loopback).
private func discovered(_ network: Network) -> String? {
    let heard = (try? Probe.scan(network: network, port: Int(network.defaultDiscoveryPort), seconds: 2)) ?? []
    return heard.max { $0.announcement.chainWork < $1.announcement.chainWork }.map {
        "\($0.host):\($0.announcement.port)"
    }
}

func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}
