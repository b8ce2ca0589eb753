import Foundation
import TallyChain
import TallyCommandLine
import TallyCrypto
import TallyNet
import TallyNode
import TallyTestSupport
import TallyWallet
import TallyWire
import Testing

/// Runs one of the binaries built beside `tallyd`; returns its exit status and what it printed.
@discardableResult
func runTool(
    _ name: String, _ arguments: [String], environment: [String: String] = [:], passphrase: String = "correct horse"
)
    throws -> (status: Int32, output: String, error: String)
{
    let process = Process()
    process.executableURL = Tallyd.binary.deletingLastPathComponent().appendingPathComponent(name)
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(["TALLY_WALLET_PASSPHRASE": passphrase]) {
        _, new in new
    }
    .merging(environment) { _, new in new }
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Both pipes drained at once, so a chatty child never blocks on a full one.
    let errorData = Locked(Data())
    let reader = Thread { errorData.set(err.fileHandleForReading.readDataToEndOfFile()) }
    reader.start()
    let output = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let deadline = Date().addingTimeInterval(10)
    while !reader.isFinished && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
    return (
        process.terminationStatus, String(decoding: output, as: UTF8.self),
        String(decoding: errorData.get(), as: UTF8.self)
    )
}

final class Locked<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: T
    init(_ value: T) { self.value = value }
    func get() -> T { lock.withLock { value } }
    func set(_ new: T) { lock.withLock { value = new } }
}

/// The node's verdict on a transaction, as a wallet waits for it (Protocol.md §11.1): `reject`,
/// or the transaction itself when asked back (taken), or `notfound`.
func verdict(on tx: Transaction, from client: PeerClient) throws -> Message {
    client.send(.tx(tx))
    client.send(.getData(GetDataMessage(inventory: [.transaction(tx.txid)])))
    let deadline = Date().addingTimeInterval(10)
    var notFound: Message?
    while Date() < deadline {
        guard let message = try? client.next(timeout: notFound == nil ? 1 : 0.5) else {
            if let notFound { return notFound }
            continue
        }
        switch message {
        case .reject(let reject) where reject.hash == tx.txid: return message
        case .tx(let echoed) where echoed.txid == tx.txid: return message
        case .notFound: notFound = message
        default: break
        }
    }
    throw PeerClient.Failure.timeout("a verdict")
}

@Suite(.serialized) struct OperatorTests {
    static let alice = TestChain.key(1)
    static let bob = TestChain.key(2)

    @Test func theNodeAnswersEveryTransactionItDoesNotTakeWithReject() throws {
        let work = try temporaryDirectory("reject")
        defer { try? FileManager.default.removeItem(at: work) }
        let node = try TestNode("reject")
        try NetworkTests.importChain(try NetworkTests.chainFile(110, in: work), into: node)
        try node.start()
        let client = try node.client()
        defer { client.close() }

        let lowFee = try NetworkTests.payment(from: client, coinbaseHeight: 1, fee: 10)
        guard case .reject(let fee) = try verdict(on: lowFee, from: client) else {
            Issue.record("no reject for a low fee")
            return
        }
        #expect(
            fee.code == .insufficientFee && fee.message == "tx" && fee.reason.contains("below the minimum"),
            "\(fee.reason)")

        let headers = try client.headers(after: [ChainParameters.regtest.genesisHash])
        let coinbase = try client.blocks([headers[1].hash])[0].transactions[0]
        let dust = Transaction(
            inputs: [TxInput(outpoint: OutPoint(txid: coinbase.txid, index: 0), publicKey: Self.alice.publicKey)],
            outputs: [
                TxOutput(amount: 999, address: TestChain.address(Self.bob)),
                TxOutput(amount: coinbase.outputs[0].amount - 30_000, address: TestChain.address(Self.alice)),
            ]
        )
        .signed(with: [Self.alice], parameters: .regtest)
        guard case .reject(let nonstandard) = try verdict(on: dust, from: client) else {
            Issue.record("no reject for dust")
            return
        }
        #expect(nonstandard.code == .nonstandard && nonstandard.reason.contains("dust"), "\(nonstandard.reason)")

        let taken = try NetworkTests.payment(from: client, coinbaseHeight: 3)
        guard case .tx = try verdict(on: taken, from: client) else {
            Issue.record("a valid payment was not taken")
            return
        }
        let conflict = try NetworkTests.payment(from: client, coinbaseHeight: 3, fee: 40_000)
        guard case .reject(let duplicate) = try verdict(on: conflict, from: client) else {
            Issue.record("no reject for a conflict")
            return
        }
        #expect(
            duplicate.code == .duplicate && duplicate.reason.contains(taken.txid.description), "\(duplicate.reason)")

        // Refusals by policy are not the sender's fault: still connected, nothing banned.
        #expect(try client.mempool() == [taken.txid])
        #expect(try node.status().peers.allSatisfy { $0.banScore == 0 })
    }

    /// A wallet with 400 blocks mined to its first address, a node serving them, and the wallet synced.
    struct Funded {
        let work: URL
        let node: TestNode
        let path: String
        let words: String
        let address: String

        init(_ name: String) throws {
            work = try temporaryDirectory(name)
            path = work.appendingPathComponent("a.wallet").path
            let created = try WalletEndToEndTests.json(
                try runTool(
                    "tally-wallet", ["create", "--regtest", "--wallet", path, "--key-cost", "interactive", "--json"]
                ).output)
            words = try #require(created["mnemonic"] as? String)
            address = try #require(created["address"] as? String)
            node = try TestNode(name)
            let file = work.appendingPathComponent("chain.dat")
            try BlockFile.write(
                try TestChain().mine(400, payTo: try Address(parsing: address, network: .regtest).hash), to: file)
            try NetworkTests.importChain(file, into: node)
            try node.start()
            let synced = try runTool("tally-wallet", ["sync", "--regtest", "--wallet", path, "--node", node.target])
            #expect(synced.status == 0, "\(synced.error)")
        }

        func wallet(
            _ arguments: [String], file: String? = nil, node: String? = nil
        ) throws -> (status: Int32, output: String, error: String) {
            let needsNode = ["send", "sync", "restore"].contains(arguments[0])
            return try runTool(
                "tally-wallet",
                [arguments[0], "--regtest", "--wallet", file ?? path]
                    + (needsNode ? ["--node", node ?? self.node.target] : []) + arguments.dropFirst())
        }

        /// `list --json`.
        func list(_ file: String? = nil) throws -> [String: Any] {
            try WalletEndToEndTests.json(try wallet(["list", "--json"], file: file).output)
        }

        func remove() { try? FileManager.default.removeItem(at: work) }
    }

    static func units(_ value: Any?) -> UInt64 { Coins.parse(value as? String ?? "") ?? .max }

    static func subsidies(_ heights: ClosedRange<UInt32>) -> UInt64 {
        heights.reduce(0) { $0 + Subsidy.amount(height: $1, parameters: .regtest) }
    }

    @Test func paymentsGetTheNodesVerdictAndBalancesAddUp() throws {
        let funded = try Funded("verdict")
        defer { funded.remove() }
        let recipient = Address(network: .regtest, hash: TestChain.address(Self.bob)).description

        // At height 400, coinbases up to 301 are mature: the rest are immature, not spendable.
        let start = try funded.list()
        let wallet = try #require(start["wallet"] as? [String: Any])
        #expect(Self.units(wallet["spendable"]) == Self.subsidies(1...301))
        #expect(Self.units(wallet["immature"]) == Self.subsidies(302...400))
        #expect(Self.units(wallet["total"]) == Self.subsidies(1...400))

        // A stale copy of the wallet, made before the payment below.
        let stale = funded.work.appendingPathComponent("stale.wallet").path
        try FileManager.default.copyItem(atPath: funded.path, toPath: stale)
        let elsewhere = funded.work.appendingPathComponent("elsewhere.wallet").path
        try FileManager.default.copyItem(atPath: funded.path, toPath: elsewhere)

        // Accepted: pending out is the amount paid plus the fee, not the coin it spent.
        let sent = try funded.wallet(["send", "any", "1.25", recipient, "--json"])
        #expect(sent.status == 0, "\(sent.error)")
        let receipt = try WalletEndToEndTests.json(sent.output)
        let fee = Self.units(receipt["fee"])
        let txid = try #require(receipt["txid"] as? String)
        let after = try funded.list()
        let afterWallet = try #require(after["wallet"] as? [String: Any])
        let row = try #require((after["addresses"] as? [[String: Any]])?.first)
        #expect(Self.units(row["pendingOut"]) == 125_000_000 + fee)
        #expect(Self.units(afterWallet["pendingOut"]) == 125_000_000 + fee)
        #expect(Self.units(afterWallet["spendable"]) == Self.subsidies(1...301) - 50 * ChainParameters.coin)
        #expect(
            Self.units((after["change"] as? [String: Any])?["pendingIn"]) == 50 * ChainParameters.coin - 125_000_000
                - fee)
        #expect(Self.units(afterWallet["total"]) == Self.subsidies(1...400) - 125_000_000 - fee)
        #expect(try funded.node.client().mempool().map(\.description) == [txid])

        // Refused (the stale copy spends the same coin): exit 1 with the node's reason, balances as before.
        let staleBefore = try funded.list(stale)
        let conflict = try funded.wallet(["send", "--no-sync", "any", "2", recipient], file: stale)
        #expect(conflict.status == 1, "\(conflict.error)")
        #expect(
            conflict.error.contains("refused the payment")
                && conflict.error.contains("conflicts with mempool transaction \(txid)"), "\(conflict.error)")
        #expect(NSDictionary(dictionary: try funded.list(stale)) == NSDictionary(dictionary: staleBefore))
        #expect(try funded.node.client().mempool().map(\.description) == [txid])

        // A fee rate below the network's minimum is refused before anything is signed or written.
        let staleBytes = try Data(contentsOf: URL(fileURLWithPath: stale))
        let cheap = try funded.wallet(["send", "any", "1", recipient, "--fee-rate", "999"], file: stale)
        #expect(cheap.status == 64 && cheap.error.contains("below the network's minimum of 1000"), "\(cheap.error)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: stale)) == staleBytes)

        // An unwritable wallet file: the send fails before anything is broadcast (a directory stands
        // where the temporary file goes, which stops root too).
        let blocker = stale + ".tmp"
        try FileManager.default.createDirectory(atPath: blocker, withIntermediateDirectories: false)
        let unwritable = try funded.wallet(["send", "any", "1", recipient], file: stale)
        #expect(
            unwritable.status == 1 && unwritable.error.contains("cannot write the wallet")
                && unwritable.error.contains("nothing was sent"),
            "\(unwritable.error)")
        #expect(try funded.node.client().mempool().map(\.description) == [txid])
        try FileManager.default.removeItem(atPath: blocker)

        // A node that cannot be reached after signing: saved as unbroadcast (exit 2), then abandoned.
        let dead = "127.0.0.1:\(try freePort())"
        let cut = try funded.wallet(["send", "--no-sync", "any", "3", recipient], file: stale, node: dead)
        #expect(cut.status == 2 && cut.error.contains("unbroadcast"), "\(cut.error)")
        let saved = try #require(cut.error.firstMatch(of: /Payment ([0-9a-f]{64}) is saved/)?.1)
        #expect(
            Self.units((try funded.list(stale)["wallet"] as? [String: Any])?["pendingOut"]) > 3 * ChainParameters.coin)
        let abandoned = try funded.wallet(["abandon", String(saved), "--json"], file: stale)
        #expect(abandoned.status == 0, "\(abandoned.error)")
        #expect(Self.units(try WalletEndToEndTests.json(abandoned.output)["released"]) == 50 * ChainParameters.coin)
        #expect(NSDictionary(dictionary: try funded.list(stale)) == NSDictionary(dictionary: staleBefore))
        let unknown = try funded.wallet(["abandon", String(repeating: "ab", count: 32)], file: stale)
        #expect(unknown.status == 1 && unknown.error.contains("not an unmined payment"), "\(unknown.error)")

        // The stale copy's sync learns the other payment, and its own refused one is gone for good.
        let resync = try funded.wallet(["sync", "--json"], file: stale)
        #expect(resync.status == 0, "\(resync.error)")
        #expect((try WalletEndToEndTests.json(resync.output)["refused"] as? [Any])?.isEmpty == true)

        // A copy pays with the same coin through a node that never heard of the first payment (taken
        // there); back on the first node, sync says that node refuses it, and why, instead of
        // resending it in silence at every sync.
        let island = try TestNode("verdict-island")
        try NetworkTests.importChain(funded.work.appendingPathComponent("chain.dat"), into: island)
        try island.start()
        let away = try funded.wallet(
            ["send", "--no-sync", "any", "4", recipient, "--json"], file: elsewhere, node: island.target)
        #expect(away.status == 0, "\(away.error)")
        let awayTxid = try #require(try WalletEndToEndTests.json(away.output)["txid"] as? String)
        let back = try funded.wallet(["sync", "--json"], file: elsewhere)
        #expect(back.status == 0, "\(back.error)")
        let refused = try #require((try WalletEndToEndTests.json(back.output)["refused"] as? [[String: Any]])?.first)
        #expect(
            refused["txid"] as? String == awayTxid
                && (refused["reason"] as? String)?.contains("conflicts with mempool transaction \(txid)") == true,
            "\(back.output)")
        let told = try funded.wallet(["sync"], file: elsewhere)
        #expect(
            told.output.contains("the node refuses payment \(awayTxid)")
                && told.output.contains("tally-wallet abandon \(awayTxid)"), "\(told.output)")

        // Restore reports the blocks it read once each, not once per pass.
        let restored = try funded.wallet(
            ["restore", "--mnemonic", funded.words, "--key-cost", "interactive", "--json"],
            file: funded.work.appendingPathComponent("restored.wallet").path)
        #expect(restored.status == 0, "\(restored.error)")
        let report = try WalletEndToEndTests.json(restored.output)
        #expect(report["blocksScanned"] as? Int == 400 && report["height"] as? Int == 400, "\(restored.output)")
    }

    @Test func labelsNameOneAddressAndHomeIsHonoured() throws {
        let home = try temporaryDirectory("home")
        defer { try? FileManager.default.removeItem(at: home) }
        let created = try runTool(
            "tally-wallet", ["create", "--regtest", "--key-cost", "interactive"], environment: ["HOME": home.path])
        #expect(created.status == 0, "\(created.error)")
        let file = home.appendingPathComponent(".tally/wallets/regtest.wallet").path
        #expect(FileManager.default.fileExists(atPath: file))
        #expect(
            try runTool("tally-wallet", ["new-address", "--regtest", "savings"], environment: ["HOME": home.path])
                .status == 0)
        let again = try runTool(
            "tally-wallet", ["new-address", "--regtest", "savings"], environment: ["HOME": home.path])
        #expect(again.status == 1 && again.error.contains("'savings' is already used by address 1"), "\(again.error)")
        let list = try WalletEndToEndTests.json(
            try runTool("tally-wallet", ["list", "--regtest", "--json"], environment: ["HOME": home.path]).output)
        #expect((list["addresses"] as? [Any])?.count == 2)
    }

    @Test func inspectTakesTheMnemonicPassphraseByCreatesName() throws {
        let words = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
        let withPassphrase = try runTool(
            "tally-wallet",
            ["inspect", "--mnemonic", words, "--mnemonic-passphrase", "TREZOR", "--show-secrets", "--json"])
        #expect(withPassphrase.status == 0, "\(withPassphrase.error)")
        // BIP-39's published seed of these words under the passphrase "TREZOR".
        #expect(
            (try WalletEndToEndTests.json(withPassphrase.output)["seed"] as? String)?
                .hasPrefix(
                    "c55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e53495531f09a6987599d18264c1e1c92f2cf141630c7a3c4ab7c81b2f001698e7463b04"
                ) == true)
        #expect(try runTool("tally-wallet", ["inspect", "--mnemonic", words, "--passphrase", "TREZOR"]).status == 64)
    }

    /// Every failure a user meets: its exit code, the words that say what to do, and never a type name.
    @Test func failuresAreOneSentenceWithTheirExitCode() throws {
        let work = try temporaryDirectory("failures")
        defer { try? FileManager.default.removeItem(at: work) }
        let node = try TestNode("failures")
        try node.start()
        let walletPath = work.appendingPathComponent("w.wallet").path
        #expect(
            try runTool("tally-wallet", ["create", "--regtest", "--wallet", walletPath, "--key-cost", "interactive"])
                .status == 0)
        let garbage = work.appendingPathComponent("garbage.wallet").path
        _ = FileManager.default.createFile(atPath: garbage, contents: Data("hello".utf8))
        let notADirectory = work.appendingPathComponent("file")
        _ = FileManager.default.createFile(atPath: notADirectory.path, contents: Data())
        let conf = work.appendingPathComponent("bad.conf")
        try "port = 0\n\nthreds = 2\n".write(to: conf, atomically: true, encoding: .utf8)
        // A directory where the store's file goes: SQLite cannot open it, whoever runs the node.
        let blockedStore = work.appendingPathComponent("d5")
        try FileManager.default.createDirectory(
            at: blockedStore.appendingPathComponent("chain.sqlite"), withIntermediateDirectories: true)
        let deadNode = "127.0.0.1:\(try freePort())"
        let w = ["--regtest", "--wallet", walletPath]
        let someone = Address(network: .regtest, hash: TestChain.address(Self.bob)).description

        let cases: [(tool: String, arguments: [String], passphrase: String, code: Int32, says: [String])] = [
            (
                "tallyd",
                [
                    "--regtest", "--datadir", work.appendingPathComponent("d1").path, "--port", "\(node.port)",
                    "--no-discovery",
                ], "", 1,
                ["port \(node.port) (P2P)", "in use", "--port"]
            ),
            (
                "tallyd",
                [
                    "--regtest", "--datadir", work.appendingPathComponent("d2").path, "--port", "0", "--no-discovery",
                    "--http", "127.0.0.1:\(node.port)",
                ], "", 1, ["port \(node.port) (HTTP)", "in use", "--http"]
            ),
            (
                "tallyd",
                ["--regtest", "--datadir", notADirectory.appendingPathComponent("data").path, "--no-network"], "", 1,
                ["data directory", "writable"]
            ),
            (
                "tallyd",
                ["--regtest", "--datadir", work.appendingPathComponent("d3").path, "--mine", "--threads", "0"], "", 64,
                ["--threads"]
            ),
            (
                "tallyd", ["--regtest", "--datadir", blockedStore.path, "--no-network"], "", 1,
                ["cannot open the chain store", "writable"]
            ),
            ("tallyd", ["--regtest", "--conf", conf.path], "", 1, ["line 3", "unknown option 'threds'"]),
            (
                "tallyd",
                [
                    "--regtest", "--datadir", work.appendingPathComponent("d4").path, "--reward-address",
                    "tlyrt1qnothing",
                ], "", 1,
                ["--reward-address", "not a regtest address"]
            ),
            (
                "tallyd", ["check", "--regtest", "--datadir", work.appendingPathComponent("none").path], "", 1,
                ["no chain store"]
            ),
            (
                "tally-wallet", ["list", "--regtest", "--wallet", work.appendingPathComponent("none.wallet").path],
                "correct horse", 1,
                ["there is no wallet", "create"]
            ),
            (
                "tally-wallet", ["list", "--regtest", "--wallet", garbage], "correct horse", 1,
                ["not a Tally wallet file"]
            ),
            ("tally-wallet", ["new-address"] + w, "wrong", 1, ["wrong passphrase", "nothing was changed"]),
            (
                "tally-wallet", ["sync"] + w + ["--node", deadNode], "correct horse", 2,
                ["cannot reach the node at \(deadNode)", "connection refused", "--node"]
            ),
            (
                "tally-wallet", ["send"] + w + ["--node", node.target, "any", "1", someone], "correct horse", 1,
                ["insufficient funds"]
            ),
            (
                "tally-wallet", ["send"] + w + ["--node", node.target, "any", "1", "tlyrt1qnotanaddress"],
                "correct horse", 1,
                ["recipient 'tlyrt1qnotanaddress'", "neither a label"]
            ),
            (
                "tally-wallet",
                ["send"] + w + ["--node", node.target, "any", "1", "tly1qslx09qs2catmf82whmuk7udfajxahwczkyv35z"],
                "correct horse", 1,
                ["another network"]
            ),
            ("tally-wallet", ["send"] + w + ["any", "-1", someone], "correct horse", 64, ["'-1' is negative"]),
            ("tally-wallet", ["send"] + w + ["any", "1.123456789", someone], "correct horse", 64, ["not an amount"]),
            ("tally-wallet", ["create"] + w, "correct horse", 1, ["exists", "nothing was changed"]),
            (
                "tally-wallet",
                [
                    "create", "--regtest", "--wallet", notADirectory.appendingPathComponent("w.wallet").path,
                    "--key-cost", "interactive",
                ],
                "correct horse", 1, ["cannot write the wallet", "check the directory"]
            ),
            (
                "tally-wallet",
                [
                    "restore", "--regtest", "--wallet", work.appendingPathComponent("r.wallet").path, "--mnemonic",
                    "abandon abandon",
                ],
                "correct horse", 1, ["12, 15, 18, 21 or 24"]
            ),
            ("tally-probe", [deadNode], "", 2, ["cannot reach \(deadNode)", "connection refused"]),
            ("tally-probe", ["--network", "main", node.target], "", 3, ["closed the connection", "regtest"]),
            ("tally-probe", ["127.0.0.1"], "", 64, ["host:port"]),
        ]
        for failure in cases {
            let result = try runTool(failure.tool, failure.arguments, passphrase: failure.passphrase)
            let said = result.error + result.output
            let call = "\(failure.tool) \(failure.arguments.joined(separator: " "))"
            #expect(result.status == failure.code, "\(call): exit \(result.status), said: \(said)")
            for words in failure.says { #expect(said.contains(words), "\(call) did not say '\(words)': \(said)") }
            #expect(!looksLikeTypeDump(said), "\(call) printed a library dump: \(said)")
            // The usage text is for usage errors only.
            #expect(failure.code == 64 || !said.contains("Usage:"), "\(call) printed the usage: \(said)")
        }
        // The node that was probed with the wrong magic did not ban this address.
        #expect(try node.status().height == 0)
    }

    @Test func tallyConfSetsOptionsAndTheCommandLineWins() throws {
        let work = try temporaryDirectory("conf")
        defer { try? FileManager.default.removeItem(at: work) }
        let data = work.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        let port = try freePort()
        let other = try freePort()
        let discovery = try freePort(udp: true)
        try """
        # a node on the LAN
        port = \(port)
        discovery-port = \(discovery)
        no-discovery = true
        peer = 127.0.0.1:1
        peer = 127.0.0.1:2
        snapshot-every = 0
        """.write(to: data.appendingPathComponent("tally.conf"), atomically: true, encoding: .utf8)
        let fromFile = try Tallyd.start(
            ["--regtest", "--datadir", data.path], log: work.appendingPathComponent("1.log"))
        defer {
            if fromFile.isRunning {
                fromFile.terminate()
                fromFile.waitUntilExit()
            }
        }
        try waitUntil("the node on the file's port", timeout: 20) {
            (try? Probe.query(host: "127.0.0.1", port: port, network: .regtest, timeout: 2)) != nil
        }
        fromFile.terminate()
        fromFile.waitUntilExit()
        #expect(fromFile.terminationStatus == 0)

        let overridden = try Tallyd.start(
            ["--regtest", "--datadir", data.path, "--port", "\(other)"], log: work.appendingPathComponent("2.log"))
        defer {
            if overridden.isRunning {
                overridden.terminate()
                overridden.waitUntilExit()
            }
        }
        try waitUntil("the node on the command line's port", timeout: 20) {
            (try? Probe.query(host: "127.0.0.1", port: other, network: .regtest, timeout: 2)) != nil
        }
        #expect((try? Probe.query(host: "127.0.0.1", port: port, network: .regtest, timeout: 1)) == nil)

        // A value of the wrong kind names its line.
        let bad = work.appendingPathComponent("bad.conf")
        try "mine = sometimes\n".write(to: bad, atomically: true, encoding: .utf8)
        let refused = try runTool("tallyd", ["--regtest", "--conf", bad.path])
        #expect(
            refused.status == 1 && refused.error.contains("bad.conf line 1: 'mine' is true or false"),
            "\(refused.error)")
    }

    /// A port is 1 to 65535 (0 where any free port is meant) wherever one is given: on every tool's
    /// command line and in tally.conf, each refusal saying what a port is.
    @Test func portsOutOfRangeAreRefusedEverywhere() throws {
        let work = try temporaryDirectory("ports")
        defer { try? FileManager.default.removeItem(at: work) }
        let data = work.appendingPathComponent("data").path
        let wallet = work.appendingPathComponent("w.wallet").path
        #expect(
            try runTool("tally-wallet", ["create", "--regtest", "--wallet", wallet, "--key-cost", "interactive"])
                .status == 0)
        let conf = work.appendingPathComponent("tally.conf")
        try "# the P2P port\nport = 99999\n".write(to: conf, atomically: true, encoding: .utf8)
        let peerConf = work.appendingPathComponent("peer.conf")
        try "peer = 127.0.0.1:8733\npeer = 127.0.0.1:65536\n".write(to: peerConf, atomically: true, encoding: .utf8)
        let node = ["--regtest", "--datadir", data, "--no-network"]
        let cases: [(tool: String, arguments: [String], code: Int32, says: [String])] = [
            ("tallyd", node + ["--port", "99999"], 64, ["--port 99999", "1 to 65535, or 0 for any free port"]),
            ("tallyd", node + ["--port", "65536"], 64, ["--port 65536", "1 to 65535"]),
            ("tallyd", node + ["--discovery-port", "0"], 64, ["--discovery-port 0", "1 to 65535"]),
            ("tallyd", node + ["--peer", "127.0.0.1:70000"], 64, ["--peer '127.0.0.1:70000'", "1 to 65535"]),
            ("tallyd", node + ["--peer", "127.0.0.1:0"], 64, ["--peer '127.0.0.1:0'", "1 to 65535"]),
            ("tallyd", node + ["--peer", "127.0.0.1"], 64, ["--peer '127.0.0.1' is not host:port"]),
            ("tallyd", node + ["--http", "127.0.0.1:65536"], 64, ["--http '127.0.0.1:65536'", "or 0 for any"]),
            ("tallyd", node + ["--conf", conf.path], 1, ["tally.conf line 2: 'port' is a port", "not '99999'"]),
            ("tallyd", node + ["--conf", peerConf.path], 1, ["peer.conf line 2: 'peer'", "1 to 65535"]),
            ("tally-probe", ["--regtest", "127.0.0.1:0"], 64, ["'127.0.0.1:0'", "1 to 65535"]),
            ("tally-probe", ["--regtest", "127.0.0.1:99999"], 64, ["'127.0.0.1:99999'", "1 to 65535"]),
            ("tally-probe", ["--regtest", "--scan", "--discovery-port", "70000"], 64, ["--discovery-port 70000"]),
            (
                "tally-wallet", ["sync", "--regtest", "--wallet", wallet, "--node", "127.0.0.1:65536"], 64,
                ["--node '127.0.0.1:65536'", "1 to 65535"]
            ),
        ]
        for (tool, arguments, code, says) in cases {
            let result = try runTool(tool, arguments)
            let shown = "\(tool) \(arguments.joined(separator: " ")): \(result.status) \(result.error)"
            #expect(result.status == code, "\(shown)")
            for words in says { #expect(result.error.contains(words), "\(shown)") }
        }
        // Nothing was started: no store was made by any of them.
        #expect(!FileManager.default.fileExists(atPath: data + "/chain.sqlite"))
    }

    @Test func everyOptionOfTheNodeCanBeSetInTallyConf() throws {
        // Help of every command is the parser's, exit 0 (not taken for a failure).
        let commands = [
            ("tallyd", ["check", "import-blocks", "run"]), ("tally-bench", ["validate", "hash"]),
            (
                "tally-wallet",
                ["create", "restore", "new-address", "list", "send", "abandon", "sync", "history", "inspect"]
            ),
        ]
        for (tool, subcommands) in commands {
            for subcommand in subcommands {
                let result = try runTool(tool, [subcommand, "--help"])
                #expect(
                    result.status == 0 && result.output.hasPrefix("OVERVIEW:"),
                    "\(tool) \(subcommand) --help: \(result.error)")
            }
        }
        let negativePort = try runTool("tallyd", ["--regtest", "--port", "-1"])
        #expect(negativePort.status == 64 && negativePort.error.contains("'-1' is negative"), "\(negativePort.error)")
        let help = try runTool("tallyd", ["--help"]).output
        let flags = Set(help.matches(of: /\n  --([a-z-]+)/).map { String($0.1) }).subtracting([
            "conf", "version", "help",
        ])
        #expect(flags.count > 15 && flags.contains("mine") && flags.contains("threads"), "\(help)")
        let conf = try temporaryDirectory("every-option")
        defer { try? FileManager.default.removeItem(at: conf) }
        // Unknown names are refused by line; every flag of --help is known (a bad value is another error).
        for flag in flags.sorted() {
            let file = conf.appendingPathComponent("\(flag).conf")
            try "\(flag) = @\n".write(to: file, atomically: true, encoding: .utf8)
            // --threads 0 makes every run stop at validation, after the file was read.
            let result = try runTool(
                "tallyd",
                [
                    "--regtest", "--conf", file.path, "--datadir", conf.appendingPathComponent("d").path,
                    "--no-network", "--threads", "0",
                ])
            #expect(result.status != 0, "\(flag): \(result.error)")
            #expect(!result.error.contains("unknown option"), "\(flag): \(result.error)")
        }
    }

    @Test func versionsHelpAndTheProbeFindingTheNetworkItself() throws {
        for tool in ["tallyd", "tally-wallet", "tally-probe", "tally-bench"] {
            let result = try runTool(tool, ["--version"])
            #expect(
                result.status == 0 && result.output == "\(TallyVersion.current)\n",
                "\(tool): \(result.output)\(result.error)")
        }
        let help = try runTool("tallyd", ["--help"])
        #expect(
            help.status == 0 && help.output.contains("--mine") && help.output.contains("--threads")
                && help.output.contains("--conf"))
        #expect(!help.output.contains("given. (default:"), "\(help.output)")
        #expect(!help.output.contains("one per core). (default"), "\(help.output)")

        let node = try TestNode("probe-network")
        try node.start()
        for _ in 0..<2 {  // twice: the first probe's try in main's magic cost this address nothing
            let probe = try runTool("tally-probe", ["--json", node.target])
            #expect(probe.status == 0, "\(probe.error)")
            #expect(try WalletEndToEndTests.json(probe.output)["network"] as? String == "regtest")
        }
    }
}
