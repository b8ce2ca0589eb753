import Foundation

/// A rate limit: `rate` units per second, up to `burst` saved up. Pure bookkeeping.
public struct TokenBucket: Sendable {
    public let rate: Double
    public let burst: Double
    private var tokens: Double
    private var refilled: Date

    public init(rate: Double, burst: Double, now: Date = Date()) {
        self.rate = rate
        self.burst = burst
        tokens = burst
        refilled = now
    }

    /// Takes `count` units if they are there; false (taking nothing) if they are not.
    public mutating func take(_ count: Int, now: Date = Date()) -> Bool {
        refill(now: now)
        guard Double(count) <= tokens else { return false }
        tokens -= Double(count)
        return true
    }

    /// How long until `count` units are there: 0 if they are now. Takes nothing.
    public mutating func wait(for count: Int, now: Date = Date()) -> TimeInterval {
        refill(now: now)
        return max(0, Double(count) - tokens) / rate
    }

    private mutating func refill(now: Date) {
        tokens = min(burst, tokens + max(0, now.timeIntervalSince(refilled)) * rate)
        refilled = now
    }
}
