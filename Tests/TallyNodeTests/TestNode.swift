import Foundation
import TallyNet
import TallyWire
import Testing

/// A real `tallyd` on 127.0.0.1 with free ports and its own data directory, for integration tests.
final class TestNode: @unchecked Sendable {
    let name: String
    let directory: URL
    let port: Int
    let discoveryPort: Int
    let arguments: [String]
    let network: Network
    private(set) var process: Process?

    init(_ name: String, directory: URL? = nil, discoveryPort: Int? = nil, network: Network = .regtest) throws {
        self.name = name
        self.network = network
        self.directory = try directory ?? temporaryDirectory("node-\(name)")
        port = try freePort()
        self.discoveryPort = try discoveryPort ?? freePort(udp: true)
        arguments = []
    }

    var dataDirectory: String { directory.appendingPathComponent("data").path }
    var logPath: URL { directory.appendingPathComponent("tallyd.log") }
    var target: String { "127.0.0.1:\(port)" }

    /// Starts the node with `extra` arguments (discovery off unless `discovery`).
    func start(_ extra: [String] = [], discovery: Bool = false, binary: URL = Tallyd.binary) throws {
        var arguments = network == .regtest ? ["--regtest"] : []
        arguments += [
            "--datadir", dataDirectory, "--port", "\(port)", "--discovery-port", "\(discoveryPort)",
            "--log-level", "debug",
        ]
        if !discovery { arguments.append("--no-discovery") }
        process = try Tallyd.start(arguments + extra, log: logPath, binary: binary)
        try waitUntil("\(name) answers", timeout: 20) { (try? self.status()) != nil }
    }

    func stop() {
        guard let process, process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    /// SIGTERM, then whether it exited cleanly within `seconds`.
    func stopsPromptly(within seconds: TimeInterval = 5) -> Bool {
        guard let process, process.isRunning else { return false }
        process.terminate()
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        return !process.isRunning && process.terminationStatus == 0
    }

    func kill() {
        guard let process, process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: directory)
    }

    func status() throws -> StatusMessage {
        try Probe.query(host: "127.0.0.1", port: port, network: network, timeout: 3).status
    }
    func height() -> UInt32 { (try? status().height) ?? 0 }
    func client() throws -> PeerClient { try PeerClient(host: "127.0.0.1", port: port, network: network) }
    var log: String { (try? String(contentsOf: logPath, encoding: .utf8)) ?? "" }
}

/// Polls `condition` every 100 ms until it holds or `timeout` passes (then the test fails).
func waitUntil(_ what: String, timeout: TimeInterval, _ condition: () throws -> Bool) throws {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if (try? condition()) == true { return }
        Thread.sleep(forTimeInterval: 0.1)
    }
    if try condition() { return }
    Issue.record("timed out after \(timeout) s waiting for \(what)")
    throw CancellationError()
}

/// A port nothing listens on right now (the kernel's choice for port 0).
func freePort(udp: Bool = false) throws -> Int {
    let fd = socket(AF_INET, Int32(udp ? SOCK_DGRAM.rawValue : SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
        }
    }
    guard bound else { throw POSIXError(.EADDRINUSE) }
    return Int(UInt16(bigEndian: address.sin_port))
}
