import Foundation

/// One peer's misbehaviour score, as btcd's dynamic ban score: a persistent part that only grows,
/// and a transient part that halves every `halfLife` seconds. A burst of nuisances bans; the same
/// nuisances spread over a long, otherwise honest connection never add up.
public struct BanScore: Sendable {
    /// A score at or above this disconnects and bans the peer.
    public static let threshold = 100
    public static let halfLife: TimeInterval = 60

    public private(set) var persistent = 0
    private var transient = 0.0
    private var decayedAt: Date

    public init(now: Date = Date()) { decayedAt = now }

    /// The score now: the persistent part plus the transient part as decayed so far.
    public func value(now: Date = Date()) -> Int {
        persistent + Int(decayed(now: now).rounded())
    }

    /// Adds `offence`; returns the score after it.
    public mutating func add(_ offence: Offence, now: Date = Date()) -> Int {
        if offence.decays {
            transient = decayed(now: now) + Double(offence.score)
            decayedAt = now
        } else {
            persistent += offence.score
        }
        return value(now: now)
    }

    public func isBanworthy(now: Date = Date()) -> Bool { value(now: now) >= BanScore.threshold }

    private func decayed(now: Date) -> Double {
        let elapsed = max(0, now.timeIntervalSince(decayedAt))
        return transient * pow(0.5, elapsed / BanScore.halfLife)
    }
}
