import ArgumentParser
import Foundation
import Synchronization
import TallyCommandLine
import TallyNet
import TallyWire

extension Network: ExpressibleByArgument {}

/// Shows what a Tally node is doing, over the wire protocol the nodes speak.
/// Exit codes: 0 the node answered, 2 unreachable, 3 reachable but no proper answer, 64 usage.
@main
struct TallyProbe: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tally-probe",
        abstract:
            "Show a Tally node's chain, peers, mempool and mining, or list the nodes announcing themselves on the LAN.",
        discussion: """
            The node's network is found by itself (each network has its own magic bytes: the probe tries \
            the one whose default port is given first, then the others) unless --network or --regtest names it.
            Exit codes: 0 the node answered, 2 unreachable, 3 reachable but no proper answer, 64 usage.
            """,
        version: TallyVersion.current)

    static func main() { CommandRunner.main(Self.self) }

    @Argument(help: "The node, as host:port.")
    var node: String?

    @Option(help: "The node's network: main or regtest; tried in turn when not given.")
    var network: Network?

    @Flag(help: "Same as --network regtest.")
    var regtest = false

    @Flag(help: "Print one JSON object (with --scan: an array).")
    var json = false

    @Flag(help: "Refresh every --interval seconds until interrupted.")
    var watch = false

    @Option(help: "Seconds between refreshes with --watch.")
    var interval = 2.0

    @Option(help: "Seconds to wait for an answer.")
    var timeout = 5.0
    @Option(help: "Blocks back from the tip over which the mean spacing is measured (each one fetched; 0: none).")
    var recentBlocks = 30

    @Flag(help: "Listen for discovery broadcasts and list the nodes heard.")
    var scan = false

    @Option(help: "Seconds to listen with --scan.")
    var seconds = 4.0

    @Option(help: "UDP discovery port to listen on with --scan; each network's when not given.")
    var discoveryPort: Int?

    @Option(help: "Address to listen on with --scan: the broadcast address of the LAN.")
    var listen = "127.255.255.255"

    /// The network named on the command line, if any.
    var namedNetwork: Network? { regtest ? .regtest : network }

    func validate() throws {
        if !scan && node == nil { throw ValidationError("give the node as host:port, or --scan") }
        if regtest, let network, network != .regtest {
            throw ValidationError("--regtest and --network \(network.rawValue) disagree")
        }
        if let node, !scan {
            do { _ = try HostPort(parsing: node) } catch { throw ValidationError("\(error)") }
        }
        if let discoveryPort, !Port.isValid(discoveryPort) {
            throw ValidationError("--discovery-port \(discoveryPort) is out of range: \(Port.rangeDescription())")
        }
        guard interval >= 0.1, timeout > 0, seconds > 0 else {
            throw ValidationError("--interval, --timeout and --seconds are positive")
        }
    }

    func run() throws {
        if scan { return try runScan() }
        let target = splitHostPort(node!)!
        var known = namedNetwork
        repeat {
            do {
                let (result, network) = try query(target, network: known)
                known = network
                print(json ? ProbeReport(result, network: network).json : ProbeReport(result, network: network).text)
            } catch let failure as CommandFailure {
                if !watch { throw failure }
                CommandRunner.report("tally-probe", failure.message)
            }
            if watch { Thread.sleep(forTimeInterval: interval) }
        } while watch
    }

    /// Asks the node for its status on `network`, or on each network in turn (the one whose default
    /// port this is first): a node closes a connection in another network's magic at once, unpenalised.
    private func query(_ target: (host: String, port: Int), network: Network?) throws -> (Probe.Result, Network) {
        let node = "\(target.host):\(target.port)"
        let candidates = network.map { [$0] } ?? Network.allCases.sorted { a, _ in Int(a.defaultPort) == target.port }
        for candidate in candidates {
            do {
                let result = try Probe.query(
                    host: target.host, port: target.port, network: candidate, timeout: timeout,
                    recentBlocks: max(0, recentBlocks))
                return (result, candidate)
            } catch Probe.Failure.unreachable(let why) {
                throw CommandFailure.unreachable(
                    "cannot reach \(node) (\(connectionReason(why))): is tallyd running there, on that port?")
            } catch Probe.Failure.badAnswer(let why) {
                if why.contains("closed") { continue }
                throw CommandFailure.badAnswer(
                    "\(node) accepted the connection but gave no status within \(timeout) s: is it a Tally node? (--timeout waits longer)"
                )
            }
        }
        if let network {
            return try {
                throw CommandFailure.badAnswer(
                    "\(node) closed the connection: it is not a Tally node on \(network.rawValue)\(network == .main ? " (a regtest node? leave out --network, or give --regtest)" : "")"
                )
            }()
        }
        throw CommandFailure.badAnswer(
            "\(node) closed the connection in every Tally network's magic (\(Network.allCases.map(\.rawValue).joined(separator: ", "))): it is not a Tally node, or it banned this address"
        )
    }

    private func runScan() throws {
        let networks = namedNetwork.map { [$0] } ?? Network.allCases
        let collected = Mutex(Collected())
        let listen = self.listen
        let seconds = self.seconds
        let discoveryPort = self.discoveryPort
        DispatchQueue.concurrentPerform(iterations: networks.count) { index in
            let network = networks[index]
            let port = discoveryPort ?? Int(network.defaultDiscoveryPort)
            do {
                let found = try Probe.scan(network: network, port: port, listenAddress: listen, seconds: seconds)
                collected.withLock { $0.heard += found.map { (network, $0.host, $0.announcement) } }
            } catch {
                let failure = "cannot listen on \(listen) UDP \(port) (\(reasonOnly(error)))"
                collected.withLock { $0.failures.append(failure) }
            }
        }
        let (heard, failures) = collected.withLock { ($0.heard, $0.failures) }
        if heard.isEmpty, let failure = failures.first {
            throw CommandFailure(
                "\(failure): check --listen (a broadcast address of this machine) and --discovery-port")
        }
        if json {
            let entries = heard.map { node in
                #"{"address":"\#(node.host):\#(node.announcement.port)","network":"\#(node.network.rawValue)","height":\#(node.announcement.bestHeight),"work":"\#(node.announcement.chainWork)","nonce":"\#(String(node.announcement.nodeNonce, radix: 16))"}"#
            }
            print("[" + entries.joined(separator: ",") + "]")
        } else if heard.isEmpty {
            let ports = networks.map { "\(discoveryPort ?? Int($0.defaultDiscoveryPort)) (\($0.rawValue))" }.joined(
                separator: ", ")
            print("no Tally node heard on UDP \(ports) in \(seconds) s")
        } else {
            for node in heard {
                print(
                    "\(node.host):\(node.announcement.port)  \(node.network.rawValue)  height \(node.announcement.bestHeight)"
                )
            }
        }
    }
}

/// What the scans of each network found, filled in from their threads.
private struct Collected {
    var heard: [(network: Network, host: String, announcement: DiscoveryAnnouncement)] = []
    var failures: [String] = []
}
