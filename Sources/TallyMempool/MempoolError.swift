import TallyChain
import TallyCrypto

/// Why a transaction was not taken into the mempool.
public enum MempoolError: Error, Equatable, CustomStringConvertible {
    /// Breaks a consensus rule: the sender relayed an invalid transaction.
    case rule(RuleViolation)
    /// Valid, but against this node's policy.
    case policy(String)
    /// Spends an output another mempool transaction already spends (the first seen stays).
    case conflict(with: Hash256)
    case alreadyKnown
    /// Parents not known yet; held as an orphan.
    case missingInputs([Hash256])

    public var description: String {
        switch self {
        case .rule(let violation): "invalid: \(violation)"
        case .policy(let why): "rejected by policy: \(why)"
        case .conflict(let other): "conflicts with mempool transaction \(other)"
        case .alreadyKnown: "already in the mempool"
        case .missingInputs(let parents): "missing inputs from \(parents.count) unknown transaction(s)"
        }
    }
}
