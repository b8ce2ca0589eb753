import TallyChain
import TallyCrypto
import TallyWire

/// Why a transaction was not taken into the mempool.
public enum MempoolError: Error, Equatable, CustomStringConvertible {
    /// Breaks a consensus rule: the sender relayed an invalid transaction.
    case rule(RuleViolation)
    /// Valid, but against this node's policy.
    case policy(String)
    /// Valid, but paying less than this node's minimum fee rate (or too little to stay in a full mempool).
    case insufficientFee(String)
    /// Spends an output another mempool transaction already spends (the first seen stays).
    case conflict(with: Hash256)
    case alreadyKnown
    /// Parents not known yet; held as an orphan.
    case missingInputs([Hash256])

    public var description: String {
        switch self {
        case .rule(let violation): "invalid: \(violation)"
        case .policy(let why): "rejected by policy: \(why)"
        case .insufficientFee(let why): "insufficient fee: \(why)"
        case .conflict(let other): "conflicts with mempool transaction \(other)"
        case .alreadyKnown: "already in the mempool"
        case .missingInputs(let parents): "missing inputs from \(parents.count) unknown transaction(s)"
        }
    }
}

extension MempoolError {
    /// The BIP-61 code a node answers with when it does not take the transaction (Protocol.md §11.1),
    /// as Bitcoin Core did: a conflict is a duplicate spend, a fee too low its own code.
    public var rejectCode: RejectCode {
        switch self {
        case .rule: .invalid
        case .policy: .nonstandard
        case .insufficientFee: .insufficientFee
        case .conflict, .alreadyKnown: .duplicate
        case .missingInputs: .invalid
        }
    }
}
