/// The peers this node asks to push new blocks to it as compact blocks before validating them
/// (BIP 152's high-bandwidth mode): those that most recently delivered a new block first, at most
/// `capacity`, so that a block reaches the node from its fastest neighbours without a round trip,
/// and from no more of them than that. Until one has delivered a block first, the first two
/// outbound peers are chosen, so that the first blocks after a start need no round trip either:
/// two, as many as a node of a busy network ends up with (every peer chosen sends each block; a
/// node pushed to by one alone waited on that one's path, and 100 hosts' first block was their
/// slowest).
public struct HighBandwidthPeers: Sendable {
    public let capacity: Int
    /// Most recent first.
    public private(set) var peers: [Int] = []
    /// How many are chosen before anyone has delivered a block first.
    public var startingCount: Int { min(2, capacity) }
    /// Somebody has delivered a block first: choices are earned from then on, until every peer
    /// chosen is gone.
    private var earned = false

    public init(capacity: Int) {
        precondition(capacity >= 0)
        self.capacity = capacity
    }

    /// `peer` delivered a new block before anyone else: it is asked to push from now on (`added`,
    /// unless it was already), and the one chosen longest ago gives way when the selection is full
    /// (`dropped`, to be told to stop).
    public mutating func deliveredFirst(by peer: Int) -> (added: Int?, dropped: Int?) {
        guard capacity > 0 else { return (nil, nil) }
        earned = true
        if let index = peers.firstIndex(of: peer) {
            peers.remove(at: index)
            peers.insert(peer, at: 0)
            return (nil, nil)
        }
        peers.insert(peer, at: 0)
        return (peer, peers.count > capacity ? peers.removeLast() : nil)
    }

    /// Before anyone has delivered a block first (or once every peer chosen is gone), `peer` is
    /// chosen if fewer than `startingCount` are (those chosen so give way first once others deliver
    /// blocks first); false otherwise.
    public mutating func chooseAtStart(_ peer: Int) -> Bool {
        guard !earned, peers.count < startingCount else { return false }
        peers.append(peer)
        return true
    }

    public mutating func remove(_ peer: Int) {
        peers.removeAll { $0 == peer }
        if peers.isEmpty { earned = false }
    }

    public func contains(_ peer: Int) -> Bool { peers.contains(peer) }
}
