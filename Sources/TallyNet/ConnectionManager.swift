import Foundation

/// Who stays connected (btcd's connmgr, Core's CConnman in small): inbound slots and eviction by
/// host, the outbound target, reconnection backoff for the peers the operator named, and
/// misbehaviour scores with the bans they lead to. Pure bookkeeping, keyed by peer id.
public struct ConnectionManager: Sendable {
    /// What the manager needs to know of a connection.
    public struct Connection: Equatable, Sendable {
        public let id: Int
        public let host: String
        public let ready: Bool

        public init(id: Int, host: String, ready: Bool) {
            self.id = id
            self.host = host
            self.ready = ready
        }
    }

    public enum Admission: Equatable, Sendable {
        case admit
        /// Admit, after closing this inbound peer to make room.
        case evict(Int)
        case refuseFull
        case refuseBanned
    }

    public let maximumInbound: Int
    public let targetOutbound: Int
    public private(set) var bans: BanList
    private var scores: [Int: BanScore] = [:]
    private var persistent: [String: Backoff] = [:]
    /// Outbound connections being opened, by target.
    public private(set) var connecting = Set<String>()

    public init(maximumInbound: Int, targetOutbound: Int, bans: BanList) {
        self.maximumInbound = maximumInbound
        self.targetOutbound = targetOutbound
        self.bans = bans
    }

    // MARK: Admission

    /// Whether a new connection from `host` may stay. Banned hosts are refused unless the operator
    /// named them. When every inbound slot is taken (Bitcoin's eviction, in small, for a LAN where
    /// every peer shares one subnet) the newest connection of the host holding the most slots gives
    /// way, one still in its handshake first; the newcomer is refused if its own host holds as many.
    /// So a host opening a thousand connections only ever displaces itself, and a probe from
    /// elsewhere always gets in. `others` are the other open inbound connections.
    public mutating func admit(
        _ newcomer: Connection, inbound: Bool, persistent isPersistent: Bool, among others: [Connection],
        now: Date = Date()
    ) -> Admission {
        if bans.isBanned(newcomer.host, now: now) && !isPersistent { return .refuseBanned }
        scores[newcomer.id] = BanScore(now: now)
        guard inbound, others.count >= maximumInbound else { return .admit }
        let byHost = Dictionary(grouping: others, by: \.host)
        guard
            let (host, crowd) = byHost.max(by: { ($0.value.count, $0.key) < ($1.value.count, $1.key) }),
            crowd.count > byHost[newcomer.host, default: []].count, host != newcomer.host
        else { return .refuseFull }
        let victim = crowd.filter { !$0.ready }.max { $0.id < $1.id } ?? crowd.max { $0.id < $1.id }!
        return .evict(victim.id)
    }

    /// The connection closed.
    public mutating func removed(_ id: Int) {
        scores[id] = nil
    }

    // MARK: Misbehaviour

    public func score(of id: Int, now: Date = Date()) -> Int { scores[id]?.value(now: now) ?? 0 }

    /// Adds `offence` to the peer's score; returns the score and whether the peer must go (its host
    /// is then banned, when banning is on).
    public mutating func penalise(
        _ id: Int, host: String, for offence: Offence, now: Date = Date()
    ) -> (
        score: Int, disconnect: Bool
    ) {
        var score = scores[id] ?? BanScore(now: now)
        let value = score.add(offence, now: now)
        scores[id] = score
        guard value >= BanScore.threshold else { return (value, false) }
        bans.ban(host, now: now)
        return (value, true)
    }

    public mutating func isBanned(_ host: String, now: Date = Date()) -> Bool { bans.isBanned(host, now: now) }

    // MARK: Outbound

    /// Whether another outbound connection is wanted, with `open` outbound connections open.
    public func wantsOutbound(open: Int) -> Bool { open + connecting.count < targetOutbound }

    /// Marks `target` as being dialled; false if it already is.
    public mutating func startConnecting(_ target: String) -> Bool { connecting.insert(target).inserted }

    public mutating func finishedConnecting(_ target: String) { connecting.remove(target) }

    // MARK: Peers the operator named

    public func isPersistent(_ target: String) -> Bool { persistent[target] != nil }

    /// Keeps `target` connected from now on; false if it already was.
    public mutating func addPersistent(_ target: String) -> Bool {
        guard persistent[target] == nil else { return false }
        persistent[target] = Backoff()
        return true
    }

    public mutating func removePersistent(_ target: String) { persistent[target] = nil }

    /// The delay before the next attempt at a persistent target (doubling), or nil if it is not one.
    public mutating func reconnectDelay(for target: String) -> TimeInterval? {
        guard var backoff = persistent[target] else { return nil }
        let delay = backoff.failed()
        persistent[target] = backoff
        return delay
    }

    public mutating func persistentConnected(_ target: String) { persistent[target]?.succeeded() }
}
