import Foundation
import TallyWire

/// Addresses of other nodes ("host:port" where they listen), heard of through discovery, `addr`
/// or a completed handshake, and the node's own addresses, never dialled again. Bounded: when the
/// untried table is full the oldest untried entry makes room, so a full table still learns; tried
/// addresses (a handshake completed) are kept apart, so a flood of new addresses never pushes out
/// the nodes known to work.
public struct AddressBook: Sendable {
    public struct Entry: Equatable, Sendable {
        public let address: NetworkAddress
        public var seen: Date
    }

    public let untriedCapacity: Int
    public let triedCapacity: Int
    public let ownCapacity: Int
    private var untried: [String: Entry] = [:]
    private var tried: [String: Entry] = [:]
    private var own = Set<String>()

    public init(untriedCapacity: Int = 1_000, triedCapacity: Int = 256, ownCapacity: Int = 64) {
        self.untriedCapacity = untriedCapacity
        self.triedCapacity = triedCapacity
        self.ownCapacity = ownCapacity
    }

    public var count: Int { untried.count + tried.count }
    public var untriedCount: Int { untried.count }
    public var triedCount: Int { tried.count }
    public func contains(_ target: String) -> Bool { untried[target] != nil || tried[target] != nil }
    public func isOwn(_ target: String) -> Bool { own.contains(target) }
    public func isTried(_ target: String) -> Bool { tried[target] != nil }

    /// Learns an address; returns whether it was new. One already known is only refreshed.
    @discardableResult
    public mutating func add(_ target: String, _ address: NetworkAddress, now: Date = Date()) -> Bool {
        guard !own.contains(target) else { return false }
        if tried[target] != nil {
            tried[target]?.seen = now
            return false
        }
        if untried[target] != nil {
            untried[target]?.seen = now
            return false
        }
        if untried.count >= untriedCapacity { AddressBook.removeOldest(from: &untried) }
        untried[target] = Entry(address: address, seen: now)
        return true
    }

    /// A handshake with `target` completed: it is known to work.
    public mutating func markTried(_ target: String, _ address: NetworkAddress, now: Date = Date()) {
        guard !own.contains(target) else { return }
        untried[target] = nil
        if tried[target] == nil && tried.count >= triedCapacity { AddressBook.removeOldest(from: &tried) }
        tried[target] = Entry(address: address, seen: now)
    }

    /// `target` turned out to be this node: forgotten, and never learnt again.
    public mutating func markOwn(_ target: String) {
        untried[target] = nil
        tried[target] = nil
        if own.count >= ownCapacity { own.remove(own.first!) }
        own.insert(target)
    }

    /// Whom to dial next: addresses known to work first, then the others, each in random order,
    /// leaving out `excluded` (connected or being dialled).
    public func dialCandidates(excluding excluded: Set<String>, limit: Int) -> [String] {
        guard limit > 0 else { return [] }
        // At random within each table, not newest first: on a LAN where every node hears every
        // other, newest-first made the first nodes started everyone's first choice (38 inbound
        // of 100 in `scripts/lan propagation 100`) and the last ones nobody's.
        let ordered = tried.keys.shuffled() + untried.keys.shuffled()
        return Array(ordered.lazy.filter { !excluded.contains($0) }.prefix(limit))
    }

    /// Addresses to tell a peer that asks (`getaddr`), the most recently heard of first.
    public func sample(limit: Int) -> [NetworkAddress] {
        let all = tried.values.map { $0 } + untried.values.map { $0 }
        return all.sorted { $0.seen > $1.seen }.prefix(limit).map(\.address)
    }

    private static func removeOldest(from table: inout [String: Entry]) {
        if let oldest = table.min(by: { ($0.value.seen, $0.key) < ($1.value.seen, $1.key) }) { table[oldest.key] = nil }
    }
}
