import Foundation
import TallyCommandLine
import TallyNet
import TallyWire

/// Opens a wire-protocol connection to the node for `purpose`, with failures in words: an
/// unreachable node exits 2, a node that answers wrongly 3 (README "Exit codes").
func connect(to target: (host: String, port: Int), network: Network, for purpose: String) throws -> PeerClient {
    do {
        return try PeerClient(
            host: target.host, port: target.port, network: network, userAgent: "/tally-wallet:\(TallyVersion.current)/")
    } catch let failure as PeerClient.Failure {
        throw nodeFailure(failure, target: target, network: network, purpose: purpose)
    }
}

/// A `PeerClient` failure as the sentence and exit code the user gets.
func nodeFailure(
    _ failure: PeerClient.Failure, target: (host: String, port: Int), network: Network, purpose: String
) -> CommandFailure {
    let node = "\(target.host):\(target.port)"
    switch failure {
    case .unreachable(let why):
        return .unreachable(
            "cannot reach the node at \(node) to \(purpose) (\(connectionReason(why))): is tallyd running there? name it with --node HOST:PORT"
        )
    case .timeout(let what):
        return .badAnswer(
            "the node at \(node) did not answer in time (waiting for \(what)) while trying to \(purpose): try again, or another --node"
        )
    case .closed:
        return .badAnswer(
            "the node at \(node) closed the connection while trying to \(purpose): is it a \(network.rawValue) node\(network == .main ? " (add --regtest for regtest)" : "")?"
        )
    }
}
