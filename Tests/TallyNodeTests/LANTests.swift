import Foundation
import Testing

/// Real hosts on one machine: `scripts/lan` puts each node in a network namespace of its own on a
/// private bridge, and the nodes must find each other by UDP broadcast alone (no --peer).
/// Needs root (CI has it); elsewhere the test says why it did not run.
@Suite(.serialized) struct LANTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let script = packageRoot.appendingPathComponent("scripts/lan")

    static var canMakeNamespaces: Bool {
        getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip")
    }

    @discardableResult
    static func lan(_ arguments: [String], directory: URL, environment: [String: String] = [:]) throws -> String {
        try run(arguments, directory: directory, environment: environment).output
    }

    /// Runs `scripts/lan` with `arguments`; its exit status and what it printed (both streams).
    static func run(
        _ arguments: [String], directory: URL, environment: [String: String] = [:]
    ) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = script
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(
            [
                "TALLYD": Tallyd.binary.path,
                "PROBE": Tallyd.binary.deletingLastPathComponent().appendingPathComponent("tally-probe").path,
                "TALLY_LAN_DIR": directory.path,
            ].merging(environment) { _, new in new }
        ) { _, new in new }
        // A file, not a pipe: the nodes the script starts in the background would inherit a pipe
        // and keep it open, and reading it to the end would never finish.
        let output = directory.appendingPathComponent("lan-\(arguments[0]).out")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let handle = try FileHandle(forWritingTo: output)
        defer { try? handle.close() }
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        process.waitUntilExit()
        return (process.terminationStatus, (try? String(contentsOf: output, encoding: .utf8)) ?? "")
    }

    @Test(.enabled(if: LANTests.canMakeNamespaces, "needs root and iproute2 to create network namespaces"))
    func fiveHostsFormOneNetworkByDiscoveryAlone() throws {
        let directory = try temporaryDirectory("lan")
        defer {
            _ = try? Self.lan(["down"], directory: directory)
            try? FileManager.default.removeItem(at: directory)
        }
        let up = try Self.lan(["up", "5", "--mine-interval", "2"], directory: directory)
        #expect(up.contains("5 hosts up"), "\(up)")
        var last = ""
        try waitUntil("five hosts in one network on one tip", timeout: 60) {
            // Blocks every 2 s, so five probes in a row usually see one tip.
            last = try Self.lan(["status"], directory: directory)
            let lines = last.split(separator: "\n").filter { $0.hasPrefix("host ") }
            let tips = Set(lines.map { $0.split(separator: " ").last.map(String.init) ?? "" })
            let allMeshed = lines.allSatisfy { $0.contains("peers 4") && !$0.contains("height 0 ") }
            return lines.count == 5 && allMeshed && tips.count == 1
        }
        print(last)
        _ = try Self.lan(["down"], directory: directory)
        // Tear-down is complete: no namespace of ours is left.
        let names = try Self.namespaces()
        #expect(!names.contains("tally-lan"), "\(names)")
    }

    /// `ip netns list`: the network namespaces on this machine, one a line.
    static func namespaces() throws -> String {
        let list = Process()
        list.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        list.arguments = ["netns", "list"]
        let pipe = Pipe()
        list.standardOutput = pipe
        try list.run()
        let names = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        list.waitUntilExit()
        return names
    }
}
