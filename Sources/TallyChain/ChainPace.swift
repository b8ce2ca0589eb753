import TallyWire

/// How hard the next block is and how fast the recent ones came: what the explorer and
/// `tally-probe` show, computed from headers alone so that either can feed it.
public struct ChainPace: Sendable, Equatable {
    /// The bits the block after the tip must carry (Protocol.md §7).
    public let nextBits: UInt32
    /// Expected hashes to find that block: 2^256 / (target + 1).
    public let hashesPerBlock: Double
    /// How many blocks the spacing and hash rate below are measured over.
    public let blocks: Int
    /// Mean seconds from parent to child over those blocks (nil when there are none).
    public let meanSpacing: Double?
    /// Their work over their time span: the hash rate that mined them, as the chain sees it (nil
    /// when the span is not positive, which R3 allows over a few blocks).
    public let impliedHashRate: Double?

    public static let defaultWindow = 30

    /// `headers` end with the tip at `tipHeight`, oldest first; the spacing is measured over the
    /// last `window` of them that have a parent among them, other than genesis.
    public init(
        headers: [BlockHeader], tipHeight: UInt32, parameters: ChainParameters,
        window: Int = ChainPace.defaultWindow
    ) {
        precondition(!headers.isEmpty, "the tip's header at least")
        let tip = headers[headers.count - 1]
        let parentTime = headers.count > 1 ? headers[headers.count - 2].time : tip.time
        nextBits = Difficulty.requiredBits(
            height: tipHeight + 1, parentBits: tip.bits, parentTime: tip.time,
            grandparentTime: parentTime, parameters: parameters)
        hashesPerBlock = Target.decode(bits: nextBits).map { Target.work(of: $0).approximated } ?? 0
        // Genesis is not mined by the network: its interval to block 1 (days, on a network
        // started later) says nothing about the pace.
        var measured = headers.suffix(window + 1)
        if Int(tipHeight) - (measured.count - 1) == 0 { measured = measured.dropFirst() }
        blocks = max(0, measured.count - 1)
        guard let first = measured.first, blocks > 0 else {
            meanSpacing = nil
            impliedHashRate = nil
            return
        }
        let span = Double(Int64(tip.time) - Int64(first.time))
        meanSpacing = span / Double(blocks)
        let work = measured.dropFirst().reduce(0.0) { sum, header in
            sum + (Target.decode(bits: header.bits).map { Target.work(of: $0).approximated } ?? 0)
        }
        impliedHashRate = span > 0 ? work / span : nil
    }

    /// The pace at `tip`, walking back through the block index.
    public init(tip: BlockIndexEntry, parameters: ChainParameters, window: Int = ChainPace.defaultWindow) {
        var headers: [BlockHeader] = []
        var entry: BlockIndexEntry? = tip
        while let current = entry, headers.count <= window {
            headers.append(current.header)
            entry = current.parent
        }
        self.init(headers: headers.reversed(), tipHeight: tip.height, parameters: parameters, window: window)
    }
}

extension UInt256 {
    /// The nearest Double, for figures shown to people (never for consensus).
    public var approximated: Double {
        bigEndianBytes.reduce(0.0) { $0 * 256 + Double($1) }
    }
}
