import Foundation
import NIOCore

/// What an operator can see and change of the peer network while it runs (the HTTP API). Each
/// call hops onto the event loop and waits for it: never call from the loop.
extension PeerNetwork {
    public struct PeerInfo: Sendable {
        public let address: String
        public let inbound: Bool
        public let userAgent: String
        public let startHeight: Int32
        public let banScore: Int
    }

    /// Peers that finished the handshake, in connection order.
    public func peerList() -> [PeerInfo] {
        (try? loop.submit { [self] in
            peers.values.filter(\.isReady).sorted { $0.id < $1.id }.map {
                PeerInfo(address: $0.address, inbound: $0.inbound, userAgent: $0.userAgent,
                         startHeight: $0.version?.startHeight ?? 0, banScore: $0.banScore)
            }
        }.wait()) ?? []
    }

    /// Connects to `target` ("host:port") and keeps it connected, as `--peer` does; false if it is
    /// not a host:port.
    public func addPersistentPeer(_ target: String) -> Bool {
        guard splitHostPort(target) != nil else { return false }
        try? loop.submit { [self] in
            guard persistent[target] == nil else { return }
            persistent[target] = Backoff()
            connect(to: target, persistent: true)
        }.wait()
        return true
    }

    /// Closes every connection to `target` (by the address connected to or the one it listens on)
    /// and stops reconnecting to it; returns how many were closed.
    public func disconnect(_ target: String) -> Int {
        (try? loop.submit { [self] in
            persistent[target] = nil
            let matching = peers.values.filter {
                !$0.closing && ($0.address == target || $0.listeningTarget == target || $0.persistentTarget == target)
            }
            matching.forEach(close)
            return matching.count
        }.wait()) ?? 0
    }
}
