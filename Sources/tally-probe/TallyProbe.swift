import ArgumentParser
import Foundation
import TallyNet
import TallyWire

/// Shows what a Tally node is doing, over the wire protocol the nodes speak.
/// Exit codes: 0 the node answered, 2 unreachable, 3 reachable but no proper answer, 64 usage.
@main
struct TallyProbe: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tally-probe",
        abstract: "Show a Tally node's chain, peers, mempool and mining, or list the nodes announcing themselves on the LAN.")

    @Argument(help: "The node, as host:port.")
    var node: String?

    @Flag(help: "The node is on regtest.")
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

    @Option(help: "UDP discovery port to listen on with --scan (default: the network's).")
    var discoveryPort: Int?

    @Option(help: "Address to listen on with --scan (the broadcast address of the LAN; loopback's by default).")
    var listen = "127.255.255.255"

    var network: Network { regtest ? .regtest : .main }

    func validate() throws {
        if !scan && node == nil { throw ValidationError("give host:port, or --scan") }
    }

    func run() throws {
        if scan { return try runScan() }
        guard let node, let (host, port) = splitHostPort(node) else {
            throw ValidationError("'\(node ?? "")' is not host:port")
        }
        repeat {
            do {
                let result = try Probe.query(host: host, port: port, network: network, timeout: timeout,
                                             recentBlocks: max(0, recentBlocks))
                print(json ? ProbeReport(result, network: network).json : ProbeReport(result, network: network).text)
            } catch let failure as Probe.Failure {
                FileHandle.standardError.write(Data("tally-probe: \(node) \(failure)\n".utf8))
                if !watch {
                    if case .unreachable = failure { throw ExitCode(2) }
                    throw ExitCode(3)
                }
            }
            if watch { Thread.sleep(forTimeInterval: interval) }
        } while watch
    }

    private func runScan() throws {
        let port = discoveryPort ?? Int(network.defaultDiscoveryPort)
        let heard = try Probe.scan(network: network, port: port, listenAddress: listen, seconds: seconds)
        if json {
            let entries = heard.map { node in
                #"{"address":"\#(node.host):\#(node.announcement.port)","height":\#(node.announcement.bestHeight),"work":"\#(node.announcement.chainWork)","nonce":"\#(String(node.announcement.nodeNonce, radix: 16))"}"#
            }
            print("[" + entries.joined(separator: ",") + "]")
        } else if heard.isEmpty {
            print("no Tally node heard on UDP \(port) in \(seconds) s")
        } else {
            for node in heard { print("\(node.host):\(node.announcement.port)  height \(node.announcement.bestHeight)") }
        }
    }
}
