/// The peers this node asks to push new blocks to it as compact blocks before validating them
/// (BIP 152's high-bandwidth mode): those that most recently delivered a new block first, at most
/// `capacity`, so that a block reaches the node from its fastest neighbours without a round trip,
/// and from no more of them than that.
public struct HighBandwidthPeers: Sendable {
    public let capacity: Int
    /// Most recent first.
    public private(set) var peers: [Int] = []

    public init(capacity: Int) {
        precondition(capacity >= 0)
        self.capacity = capacity
    }

    /// `peer` delivered a new block before anyone else: it is asked to push from now on (`added`,
    /// unless it was already), and the one chosen longest ago gives way when the selection is full
    /// (`dropped`, to be told to stop).
    public mutating func deliveredFirst(by peer: Int) -> (added: Int?, dropped: Int?) {
        guard capacity > 0 else { return (nil, nil) }
        if let index = peers.firstIndex(of: peer) {
            peers.remove(at: index)
            peers.insert(peer, at: 0)
            return (nil, nil)
        }
        peers.insert(peer, at: 0)
        return (peer, peers.count > capacity ? peers.removeLast() : nil)
    }

    public mutating func remove(_ peer: Int) { peers.removeAll { $0 == peer } }

    public func contains(_ peer: Int) -> Bool { peers.contains(peer) }
}
