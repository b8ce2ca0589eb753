/// The peers this node asks to push new blocks to it as compact blocks before validating them
/// (BIP 152's high-bandwidth mode): those that most recently delivered a new block first, at most
/// `capacity`, so that a block reaches the node from its fastest neighbours without a round trip,
/// and from no more of them than that. Until one has delivered a block first, the first outbound
/// peer is chosen, so that the first block after a start needs no round trip either (one, not
/// `capacity`: every peer chosen sends each block, and most nodes have not earned that many).
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

    /// With nobody chosen yet, `peer` is (and gives way first once others deliver blocks first);
    /// false otherwise.
    public mutating func chooseFirst(_ peer: Int) -> Bool {
        guard capacity > 0, peers.isEmpty else { return false }
        peers = [peer]
        return true
    }

    public mutating func remove(_ peer: Int) { peers.removeAll { $0 == peer } }

    public func contains(_ peer: Int) -> Bool { peers.contains(peer) }
}
