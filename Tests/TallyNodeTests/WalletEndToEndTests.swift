import Foundation
import TallyChain
import TallyCrypto
import TallyNode
import TallyTestSupport
import TallyWallet
import TallyWire
import Testing

/// `tally-wallet` against real nodes: mining to a wallet, a payment through another node seen
/// pending then confirmed, exact balances, clear failures that change nothing, and restore.
@Suite(.serialized) struct WalletEndToEndTests {
    static let wallet = Tallyd.binary.deletingLastPathComponent().appendingPathComponent("tally-wallet")

    /// Runs tally-wallet; returns its exit status, standard output and standard error.
    @discardableResult
    static func run(
        _ arguments: [String], passphrase: String = "correct horse"
    ) throws -> (status: Int32, output: String, error: String) {
        let process = Process()
        process.executableURL = wallet
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(["TALLY_WALLET_PASSPHRASE": passphrase]) {
            _, new in new
        }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let error = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (
            process.terminationStatus, String(decoding: output, as: UTF8.self), String(decoding: error, as: UTF8.self)
        )
    }

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    /// The first row of `list --json`.
    static func firstRow(_ file: String) throws -> [String: Any] {
        let list = try json(try run(["list", "--regtest", "--wallet", file, "--json"]).output)
        return try #require((list["addresses"] as? [[String: Any]])?.first)
    }

    static func total(_ file: String) throws -> UInt64 {
        try #require(
            Coins.parse(
                (try json(try run(["list", "--regtest", "--wallet", file, "--json"]).output)["wallet"] as? [String: Any])?[
                    "total"] as? String ?? ""))
    }

    @Test func mineToAPayBThroughAnotherNodeThenRestore() throws {
        let work = try temporaryDirectory("wallets")
        defer { try? FileManager.default.removeItem(at: work) }
        let a = work.appendingPathComponent("a.wallet").path
        let b = work.appendingPathComponent("b.wallet").path
        let created = try Self.json(
            try Self.run(["create", "--regtest", "--wallet", a, "--key-cost", "interactive", "--json"]).output)
        let words = try #require(created["mnemonic"] as? String)
        #expect(words.split(separator: " ").count == 12)
        let addressA = try #require(created["address"] as? String)
        #expect(try Self.run(["create", "--regtest", "--wallet", b, "--key-cost", "interactive"]).status == 0)
        let addressB = try #require(try Self.firstRow(b)["address"] as? String)

        // tallyd mines 110 blocks to A's address; then both nodes hold them and nobody mines.
        let n1 = try TestNode("w1")
        let n2 = try TestNode("w2")
        try n1.start(["--mine", "--threads", "1", "--mine-interval", "0", "--reward-address", addressA])
        try waitUntil("110 blocks mined to A", timeout: 60) { n1.height() >= 110 }
        #expect(n1.stopsPromptly())
        let file = work.appendingPathComponent("chain.dat")
        #expect(try Tallyd.run(["export-blocks", "--regtest", "--datadir", n1.dataDirectory, file.path]).status == 0)
        try n1.start()
        #expect(try Tallyd.run(["import-blocks", "--regtest", "--datadir", n2.dataDirectory, file.path]).status == 0)
        try n2.start(["--peer", n1.target])
        let mined = n1.height()

        #expect(try Self.run(["sync", "--regtest", "--wallet", a, "--node", n1.target]).status == 0)
        let before = try Self.total(a)
        #expect(before == (1...mined).reduce(0) { $0 + Subsidy.amount(height: $1, parameters: .regtest) })

        // A pays B through the other node.
        let sent = try Self.run([
            "send", "--regtest", "--wallet", a, "--node", n2.target, "any", "12.5", addressB, "--json",
        ])
        #expect(sent.status == 0, "\(sent.error)")
        let receipt = try Self.json(sent.output)
        let fee = try #require(Coins.parse(receipt["fee"] as? String ?? ""))
        #expect(fee > 0)
        #expect(try Self.total(a) == before - 1_250_000_000 - fee)

        try waitUntil("B to see the payment pending", timeout: 15) {
            try Self.run(["sync", "--regtest", "--wallet", b, "--node", n1.target])
            return try Self.firstRow(b)["pendingIn"] as? String == "12.50000000"
        }
        #expect(try Self.firstRow(b)["spendable"] as? String == "0.00000000")

        // A miner joins and mines the mempool.
        let miner = try TestNode("w3")
        try Self.importChainInto(miner, file)
        try miner.start(["--peer", n1.target, "--mine", "--threads", "1", "--mine-interval", "0.5"])
        try waitUntil("B to see the payment confirmed", timeout: 30) {
            try Self.run(["sync", "--regtest", "--wallet", b, "--node", n2.target])
            return try Self.firstRow(b)["spendable"] as? String == "12.50000000"
        }
        #expect(try Self.firstRow(b)["pendingIn"] as? String == "0.00000000")
        #expect(try Self.run(["sync", "--regtest", "--wallet", a, "--node", n1.target]).status == 0)
        #expect(try Self.total(a) == before - 1_250_000_000 - fee)

        // Failures are clear and leave the file as it was.
        let untouched = try Data(contentsOf: URL(fileURLWithPath: a))
        let overspend = try Self.run([
            "send", "--regtest", "--wallet", a, "--node", n1.target, "any", "100000", addressB,
        ])
        #expect(overspend.status != 0 && overspend.error.contains("insufficient funds"), "\(overspend.error)")
        let malformed = try Self.run([
            "send", "--regtest", "--wallet", a, "--node", n1.target, "any", "1", "tlyrt1qnotanaddress",
        ])
        #expect(malformed.status != 0 && malformed.error.contains("recipient"), "\(malformed.error)")
        let wrong = try Self.run(["new-address", "--regtest", "--wallet", a], passphrase: "wrong")
        #expect(wrong.status != 0 && wrong.error.contains("wrong passphrase"), "\(wrong.error)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: a)) == untouched)

        // The 12 words on a "fresh machine" find the same addresses and balance.
        let restoredPath = work.appendingPathComponent("restored.wallet").path
        let restored = try Self.run([
            "restore", "--regtest", "--wallet", restoredPath, "--mnemonic", words, "--key-cost", "interactive",
            "--node", n1.target,
        ])
        #expect(restored.status == 0, "\(restored.error)")
        #expect(try Self.total(restoredPath) == Self.total(a))
        #expect(try Self.firstRow(restoredPath)["address"] as? String == addressA)
    }

    @Test func inspectShowsTheKeyAtAPathAndSecretsOnlyWhenAsked() throws {
        let words = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
        let plain = try Self.json(try Self.run(["inspect", "--mnemonic", words, "--json"]).output)
        // Protocol.md §14's example, worked out in Python from BIP-39, SLIP-0010 and BIP-350.
        #expect(plain["address"] as? String == "tly1qslx09qs2catmf82whmuk7udfajxahwczkyv35z")
        #expect(plain["privateKey"] == nil && plain["seed"] == nil && plain["chainCode"] == nil)
        let secret = try Self.json(
            try Self.run([
                "inspect", "--mnemonic", words, "--show-secrets", "--json", "--path", "m/44'/1'/0'/0'/0'", "--regtest",
            ]).output)
        #expect(secret["address"] as? String == "tlyrt1qzsu4h2e7nkz2s4nmw5zz0jct7creflu2qn7nsw")
        // The BIP-39 seed of these words with no passphrase (the published vector, passphrase "" variant).
        #expect(
            (secret["seed"] as? String)?.hasPrefix("5eb00bbddcf069084889a8ab9155568165f5c453ccb85e70811aaed6f6da5fc1")
                == true)
        for key in ["seed", "chainCode", "privateKey", "publicKey", "address"] {
            #expect(secret[key] != nil, "missing \(key)")
        }
        let bad = try Self.run(["inspect", "--mnemonic", "abandon abandon", "--json"])
        #expect(bad.status != 0 && bad.error.contains("words"), "\(bad.error)")
        let unhardened = try Self.run(["inspect", "--mnemonic", words, "--path", "m/44'/0"])
        #expect(unhardened.status != 0)
    }

    static func importChainInto(_ node: TestNode, _ file: URL) throws {
        #expect(try Tallyd.run(["import-blocks", "--regtest", "--datadir", node.dataDirectory, file.path]).status == 0)
    }
}

/// A wallet killed (SIGKILL) at random instants during `sync` and `send` always reopens.
@Suite(.serialized) struct WalletCrashTests {
    @Test func killedDuringSyncOrSendTheFileStaysReadable() throws {
        let work = try temporaryDirectory("wallet-kill")
        defer { try? FileManager.default.removeItem(at: work) }
        let path = work.appendingPathComponent("k.wallet").path
        let created = try WalletEndToEndTests.json(
            try WalletEndToEndTests.run([
                "create", "--regtest", "--wallet", path, "--key-cost", "interactive", "--json",
            ]).output)
        let address = try #require(created["address"] as? String)
        let node = try TestNode("wallet-kill")
        let builder = try TestChain()
        let file = work.appendingPathComponent("chain.dat")
        try BlockFile.write(
            try builder.mine(400, payTo: try Address(parsing: address, network: .regtest).hash), to: file)
        #expect(try Tallyd.run(["import-blocks", "--regtest", "--datadir", node.dataDirectory, file.path]).status == 0)
        try node.start()
        let recipient = Address(network: .regtest, hash: TestChain.address(TestChain.key(5))).description

        var kills = 0
        // A send no longer idles a second waiting for a reject that never comes (it asks for the
        // verdict), so runs are shorter: more rounds, and kills within the first 0.4 s.
        for round in 0..<80 where kills < 20 {
            let process = Process()
            process.executableURL = WalletEndToEndTests.wallet
            // Alternate syncs and sends, so kills land in both.
            process.arguments =
                round % 2 == 0
                ? ["sync", "--regtest", "--wallet", path, "--node", node.target]
                : ["send", "--regtest", "--wallet", path, "--node", node.target, "any", "0.001", recipient]
            process.environment = ProcessInfo.processInfo.environment.merging([
                "TALLY_WALLET_PASSPHRASE": "correct horse"
            ]) { _, new in new }
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            Thread.sleep(forTimeInterval: Double.random(in: 0.02...0.4))
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                kills += 1
            }
            process.waitUntilExit()
            let bytes = try #require(FileManager.default.contents(atPath: path))
            let reopened = try WalletFile(decoding: [UInt8](bytes))
            _ = try reopened.unlock(passphrase: "correct horse")
        }
        #expect(kills >= 20, "only \(kills) kills landed while the wallet ran")
        #expect(try WalletEndToEndTests.run(["list", "--regtest", "--wallet", path]).status == 0)
    }
}
