import TallyChain
import TallyCrypto
import TallyWire

/// What the chain's verdict on a peer's data costs that peer: the table of Protocol.md §13.8 ("What
/// each offence costs") in one place, so no call site decides on its own whether a broken rule is
/// the peer's fault. `nil` means no penalty. A false ban is worse than a missed one on a LAN, where
/// one host is often every tool of one person: only what an honest peer can never send is charged.
extension Offence {
    /// A transaction the mempool did not take.
    public static func charged(for outcome: TransactionOutcome, txid: Hash256) -> Offence? {
        guard case .invalid(let violation) = outcome else { return nil }
        // A coinbase that is immature at our next block may be mature at a peer's next block: a peer
        // one block ahead relays it honestly, and it becomes valid here as the chain grows (Bitcoin
        // Core does not punish a premature spend either).
        if violation.rule == .immatureCoinbase { return nil }
        return .invalidData("transaction \(txid): \(violation)")
    }

    /// A block the peer sent (`requested`: we asked it for that block).
    public static func charged(for outcome: BlockOutcome, hash: Hash256, requested: Bool = false) -> Offence? {
        switch outcome {
        case .invalid(let violation): .invalidData("block \(hash): \(violation)")
        case .knownInvalid(let known): .invalidData("block \(hash): \(known) is known to be invalid")
        case .unwanted: .nuisance("block \(hash) not asked for, on a chain with less work than ours")
        // Asked for a block, the peer served a body its header does not commit to (R7) or that does
        // not decode (R0): the block is not condemned, but a peer that could stall our sync with bad
        // copies must not do so for free (Protocol.md §13.8).
        case .rejected(let violation) where requested && [.merkleRoot, .encoding].contains(violation.rule):
            .protocolViolation("block \(hash) asked for, served with another body: \(violation)")
        // Otherwise a rule that does not condemn the block (R4 too far ahead: our clocks differ;
        // R7/R0 pushed unasked: damaged in transit) and the node's own failures are nobody's fault.
        case .rejected, .nodeFailure, .accepted, .duplicate, .orphan: nil
        }
    }

    /// A `headers` message the peer sent. Headers of less work than ours and headers that do not
    /// connect are counted per peer instead (`BlockSync`), since a few of them are honest.
    public static func charged(for outcome: HeadersOutcome) -> Offence? {
        switch outcome {
        case .invalid(let violation): .invalidData("headers: \(violation)")
        case .knownInvalid(let hash): .invalidData("headers: \(hash) is known to be invalid")
        case .unlinked: .protocolViolation("headers that do not follow one another")
        case .rejected, .nodeFailure, .accepted, .lowWork, .missingParent: nil
        }
    }

    /// A frame that could not be read. Before the handshake a wrong magic is a tool or node set for
    /// another network, or another protocol at the wrong port (an HTTP client): the stream cannot be
    /// read, so it is closed, but nothing shows bad faith (Bitcoin Core disconnects without penalty
    /// too). After the handshake the peer has spoken our magic, so a wrong one is a broken stream.
    public static func charged(for error: MessageError, handshakeComplete: Bool) -> Offence? {
        if case .wrongMagic = error, !handshakeComplete { return nil }
        return .malformedMessage("\(error)")
    }
}
