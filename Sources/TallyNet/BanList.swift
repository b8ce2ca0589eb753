import Foundation

/// Time-limited bans by host. Nothing here limits peers per subnet: on a LAN every peer shares one.
public struct BanList: Sendable {
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
}
