import Foundation

/// Reconnection delays for a peer the node must keep: doubling from `initial` up to `maximum`, back
/// to `initial` once a connection succeeds.
public struct Backoff: Sendable {
    public let initial: TimeInterval
    public let maximum: TimeInterval
    public private(set) var next: TimeInterval

    public init(initial: TimeInterval = 0.5, maximum: TimeInterval = 30) {
        self.initial = initial
        self.maximum = maximum
        next = initial
    }

    /// The delay before the next attempt; each call doubles the one after.
    public mutating func failed() -> TimeInterval {
        defer { next = min(next * 2, maximum) }
        return next
    }

    public mutating func succeeded() { next = initial }
}
