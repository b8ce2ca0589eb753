import TallyCrypto
import TallyWire

/// How the active chain moved: blocks taken off (tip first), then blocks added (lowest first).
public struct TipChange: Sendable {
    public var disconnected: [Block] = []
    public var connected: [Block] = []

    public init() {}

    public var isEmpty: Bool { disconnected.isEmpty && connected.isEmpty }
}

/// What became of a block handed to the chain.
public struct BlockAcceptance: Sendable {
    public enum Outcome: Equatable, Sendable {
        /// Stored; it is on the active chain after this call unless listed in `invalid`.
        case accepted
        /// Already stored before.
        case duplicate
        /// Held until its missing ancestor `missing` arrives.
        case orphan(missing: Hash256)
    }

    public var outcome: Outcome
    public var tipChange = TipChange()
    /// Blocks found invalid while connecting, with the rule each broke.
    public var invalid: [Hash256: RuleViolation] = [:]

    init(_ outcome: Outcome) { self.outcome = outcome }
}

/// A header checked without being stored (`ChainState.checkHeader`).
public enum HeaderCheck {
    /// It meets the rules, at this height (the height it has, if it is known).
    case acceptable(height: UInt32)
    /// Valid proof of work, but the chain it leads to has less work than the active tip.
    case lowWork(chainWork: UInt256)
}

/// What became of a run of headers from a peer.
public enum HeaderRunAcceptance {
    /// Stored (or already known), in order.
    case accepted([BlockIndexEntry])
    /// Valid proof of work, but the chain it leads to has less work than the active tip (`chainWork`
    /// at its last header): not stored.
    case lowWork(chainWork: UInt256)
}
