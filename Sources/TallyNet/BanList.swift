import Foundation

/// Misbehaviour scores per peer address and the time-limited bans they lead to. Nothing here limits
/// peers per subnet: on a LAN every peer shares one.
public struct BanList: Sendable {
    /// A score at or above this disconnects and bans the peer.
    public static let threshold = 100
    public let banDuration: TimeInterval
    public let enabled: Bool
    private var bans: [String: Date] = [:]

    public init(banDuration: TimeInterval = 600, enabled: Bool = true) {
        self.banDuration = banDuration
        self.enabled = enabled
    }

    public mutating func ban(_ host: String, now: Date = Date()) {
        guard enabled else { return }
        bans[host] = now.addingTimeInterval(banDuration)
    }

    public mutating func isBanned(_ host: String, now: Date = Date()) -> Bool {
        guard let until = bans[host] else { return false }
        if until <= now {
            bans[host] = nil
            return false
        }
        return true
    }

    public var count: Int { bans.count }
}

/// How bad one offence is; a peer reaching `BanList.threshold` in total is banned.
public enum Offence: Sendable, CustomStringConvertible {
    /// Bytes that are not a frame: bad magic, bad checksum, oversize length, malformed payload.
    case malformedMessage(String)
    /// A block or transaction that breaks a consensus rule.
    case invalidData(String)
    /// Messages that break the protocol's sequence or limits (e.g. too many items).
    case protocolViolation(String)
    /// Wasteful but possibly innocent (an unrequested block, a header that does not connect).
    case nuisance(String)

    public var score: Int {
        switch self {
        case .malformedMessage, .invalidData: 100
        case .protocolViolation: 50
        case .nuisance: 10
        }
    }

    public var description: String {
        switch self {
        case .malformedMessage(let why): "malformed message: \(why)"
        case .invalidData(let why): "invalid data: \(why)"
        case .protocolViolation(let why): "protocol violation: \(why)"
        case .nuisance(let why): "nuisance: \(why)"
        }
    }
}
