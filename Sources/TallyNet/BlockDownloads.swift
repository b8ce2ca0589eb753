import Foundation
import TallyCrypto

/// Which blocks to ask of which peer during sync: a bounded window in flight per peer and in total,
/// lowest heights first, and peers that do not deliver in time lose their requests to others.
/// Pure bookkeeping, so it is tested without sockets.
public struct BlockDownloads<Peer: Hashable & Sendable>: Sendable {
    public let perPeer: Int
    public let total: Int
    public let stallTimeout: TimeInterval
    private var inFlight: [Hash256: (peer: Peer, since: Date)] = [:]
    private var counts: [Peer: Int] = [:]

    public init(perPeer: Int = 64, total: Int = 256, stallTimeout: TimeInterval = 10) {
        self.perPeer = perPeer
        self.total = total
        self.stallTimeout = stallTimeout
    }

    public var inFlightCount: Int { inFlight.count }
    public func isInFlight(_ hash: Hash256) -> Bool { inFlight[hash] != nil }
    public func requests(of peer: Peer) -> Int { counts[peer] ?? 0 }

    /// Assigns wanted blocks (lowest height first) to peers whose best height reaches them, filling
    /// each peer's window; returns the new requests.
    /// `canServe` rules out a peer for a block it said it does not have (`notfound`).
    public mutating func schedule(
        wanted: [(hash: Hash256, height: UInt32)], peers: [(peer: Peer, bestHeight: UInt32)],
        now: Date = Date(), canServe: (Peer, Hash256) -> Bool = { _, _ in true }
    ) -> [Peer: [Hash256]] {
        var requests: [Peer: [Hash256]] = [:]
        guard !peers.isEmpty else { return requests }
        var next = 0
        for block in wanted where inFlight[block.hash] == nil {
            guard inFlight.count < total else { break }
            // Round-robin over the peers that can serve this height and have room.
            var chosen: Peer?
            for offset in 0..<peers.count {
                let candidate = peers[(next + offset) % peers.count]
                if candidate.bestHeight >= block.height && (counts[candidate.peer] ?? 0) < perPeer
                    && canServe(candidate.peer, block.hash)
                {
                    chosen = candidate.peer
                    next = (next + offset + 1) % peers.count
                    break
                }
            }
            guard let peer = chosen else { continue }
            inFlight[block.hash] = (peer, now)
            counts[peer, default: 0] += 1
            requests[peer, default: []].append(block.hash)
        }
        return requests
    }

    /// Counts `hash` as asked of `peer` unless it is already asked of someone.
    public mutating func assign(_ hash: Hash256, to peer: Peer, now: Date = Date()) {
        guard inFlight[hash] == nil else { return }
        inFlight[hash] = (peer, now)
        counts[peer, default: 0] += 1
    }

    /// A block arrived; returns the peer it was asked of, if it was asked for.
    @discardableResult
    public mutating func received(_ hash: Hash256) -> Peer? {
        guard let request = inFlight.removeValue(forKey: hash) else { return nil }
        counts[request.peer, default: 1] -= 1
        return request.peer
    }

    /// `peer` answered that it does not have `hash`: the request is released at once for another
    /// peer, rather than waiting out the stall timeout.
    public mutating func notFound(_ hash: Hash256, from peer: Peer) { release(hash, of: peer) }

    /// Forgets the request for `hash` if it was asked of `peer`.
    public mutating func release(_ hash: Hash256, of peer: Peer) {
        guard let request = inFlight[hash], request.peer == peer else { return }
        received(hash)
    }

    /// Peers with a request older than the stall timeout; their requests are released for others.
    public mutating func stalledPeers(now: Date = Date()) -> [Peer] {
        let stalled = Set(inFlight.values.filter { now.timeIntervalSince($0.since) > stallTimeout }.map(\.peer))
        for peer in stalled { release(peer) }
        return Array(stalled)
    }

    /// Forgets every request of a peer (it disconnected or stalled).
    public mutating func release(_ peer: Peer) {
        inFlight = inFlight.filter { $0.value.peer != peer }
        counts[peer] = nil
    }
}
