import Synchronization

/// How many HTTP connections the server holds at once. Up to `serving` are served; the next
/// `refusing` are answered 503 and closed; any beyond those are closed at once, so a crowd of
/// sockets costs the node a bounded number of descriptors and never the P2P side's.
final class ConnectionLimit: Sendable {
    enum Admission: Sendable {
        case serve, refuse, drop
    }

    /// Why a connection beyond every slot is closed unanswered.
    struct Full: Error {}

    let serving: Int
    let refusing: Int
    private let served = Atomic<Int>(0)
    private let refused = Atomic<Int>(0)

    init(serving: Int, refusing: Int) {
        self.serving = serving
        self.refusing = refusing
    }

    /// Takes a slot for a new connection; give it back with `release` when the connection closes.
    func admit() -> Admission {
        if take(served, below: serving) { return .serve }
        if take(refused, below: refusing) { return .refuse }
        return .drop
    }

    func release(_ admission: Admission) {
        switch admission {
        case .serve: served.subtract(1, ordering: .relaxed)
        case .refuse: refused.subtract(1, ordering: .relaxed)
        case .drop: break
        }
    }

    var openConnections: Int { served.load(ordering: .relaxed) + refused.load(ordering: .relaxed) }

    private func take(_ counter: borrowing Atomic<Int>, below limit: Int) -> Bool {
        var current = counter.load(ordering: .relaxed)
        while current < limit {
            let (exchanged, original) = counter.compareExchange(
                expected: current, desired: current + 1, ordering: .relaxed)
            if exchanged { return true }
            current = original
        }
        return false
    }
}
