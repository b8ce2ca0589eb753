import Foundation
import TallyNet
import TallyWire
import Testing

/// `scripts/install` into a temporary prefix: every binary runs from there, anywhere, with nothing
/// of the build beside it (the wallet's word list is compiled in). The test installs the debug build
/// the tests already have (`--from`): a release build here would cost minutes of CI.
@Suite(.serialized) struct InstallTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test func installedBinariesRunFromAnywhere() throws {
        let prefix = try temporaryDirectory("prefix")
        let elsewhere = try temporaryDirectory("elsewhere")
        defer { for url in [prefix, elsewhere] { try? FileManager.default.removeItem(at: url) } }
        let install = Process()
        install.executableURL = Self.packageRoot.appendingPathComponent("scripts/install")
        install.arguments = ["--from", Tallyd.binary.deletingLastPathComponent().path, prefix.path]
        install.standardOutput = FileHandle.nullDevice
        try install.run()
        install.waitUntilExit()
        #expect(install.terminationStatus == 0)

        let bin = prefix.appendingPathComponent("bin")
        // Run from an unrelated directory with a bare PATH, HOME there too: nothing of the source tree is used.
        func run(_ tool: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
            try Tallyd.run(
                arguments, executable: bin.appendingPathComponent(tool), directory: elsewhere,
                environment: ["PATH": "/usr/bin:/bin", "HOME": elsewhere.path, "TALLY_WALLET_PASSPHRASE": "installed"])
        }
        for tool in ["tallyd", "tally-wallet", "tally-probe", "tally-bench"] {
            #expect(try run(tool, ["--version"]) == (0, "\(TallyVersion.current)\n"), "\(tool)")
        }
        let created = try run("tally-wallet", ["create", "--regtest", "--key-cost", "interactive", "--json"])
        #expect(created.status == 0 && created.output.contains("\"mnemonic\""), "\(created.output)")
        #expect(
            FileManager.default.fileExists(
                atPath: elsewhere.appendingPathComponent(".tally/wallets/regtest.wallet").path))

        // A regtest node from the prefix, with its configuration file, answering the installed probe.
        let port = try freePort()
        let data = elsewhere.appendingPathComponent("node")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try "regtest = true\nport = \(port)\nno-discovery = true\n".write(
            to: data.appendingPathComponent("tally.conf"), atomically: true, encoding: .utf8)
        let node = Process()
        node.executableURL = bin.appendingPathComponent("tallyd")
        node.arguments = ["--regtest", "--datadir", data.path]
        node.currentDirectoryURL = elsewhere
        node.standardOutput = FileHandle.nullDevice
        node.standardError = FileHandle.nullDevice
        try node.run()
        defer {
            if node.isRunning {
                node.terminate()
                node.waitUntilExit()
            }
        }
        try waitUntil("the installed node answers", timeout: 20) {
            (try? run("tally-probe", ["127.0.0.1:\(port)"]).status) == 0
        }
        let probe = try run("tally-probe", ["--json", "127.0.0.1:\(port)"])
        #expect(
            probe.output.contains("\"network\":\"regtest\"") && probe.output.contains("tallyd:\(TallyVersion.current)"),
            "\(probe.output)")
        node.terminate()
        node.waitUntilExit()
        #expect(node.terminationStatus == 0)

        // The service unit runs the installed tallyd with a configuration file, as its own user.
        let unit = try String(contentsOf: prefix.appendingPathComponent("share/tally/tallyd.service"), encoding: .utf8)
        #expect(unit.contains("ExecStart=\(bin.path)/tallyd --conf /etc/tally/tally.conf"))
        for line in ["User=tally", "Restart=on-failure", "Type=simple"] { #expect(unit.contains(line), "\(line)") }
        #expect(FileManager.default.fileExists(atPath: bin.appendingPathComponent("Tally_TallyHTTP.resources").path))
    }
}
