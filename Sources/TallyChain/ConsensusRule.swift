/// The numbered consensus rules of Protocol.md. Every rejection names one.
public enum ConsensusRule: Int, Sendable, CaseIterable, CustomStringConvertible {
    case encoding = 0
    case proofOfWork = 1
    case targetBits = 2
    case timeTooOld = 3
    case timeTooNew = 4
    case headerVersion = 5
    case invalidAncestor = 6
    case merkleRoot = 7
    case blockSize = 8
    case coinbaseFirst = 9
    case coinbaseUnique = 10
    case coinbaseHeight = 11
    case coinbaseSignature = 12
    case coinbaseAmount = 13
    case duplicateTransaction = 14
    case transactionEmpty = 15
    case duplicateInput = 16
    case nullInput = 17
    case amountRange = 18
    case missingOrSpent = 19
    case immatureCoinbase = 20
    case inputKey = 21
    case signature = 22
    case inputsBelowOutputs = 23

    public var name: String {
        switch self {
        case .encoding: "encoding"
        case .proofOfWork: "proof-of-work"
        case .targetBits: "target-bits"
        case .timeTooOld: "time-too-old"
        case .timeTooNew: "time-too-new"
        case .headerVersion: "header-version"
        case .invalidAncestor: "invalid-ancestor"
        case .merkleRoot: "merkle-root"
        case .blockSize: "block-size"
        case .coinbaseFirst: "coinbase-first"
        case .coinbaseUnique: "coinbase-unique"
        case .coinbaseHeight: "coinbase-height"
        case .coinbaseSignature: "coinbase-signature"
        case .coinbaseAmount: "coinbase-amount"
        case .duplicateTransaction: "duplicate-transaction"
        case .transactionEmpty: "transaction-empty"
        case .duplicateInput: "duplicate-input"
        case .nullInput: "null-input"
        case .amountRange: "amount-range"
        case .missingOrSpent: "missing-or-spent"
        case .immatureCoinbase: "immature-coinbase"
        case .inputKey: "input-key"
        case .signature: "signature"
        case .inputsBelowOutputs: "inputs-below-outputs"
        }
    }

    /// Whether breaking the rule condemns the block hash for good. A block too far in the future may
    /// become valid later; a merkle mismatch means the transactions are not the ones the header
    /// commits to (damaged in transit), which says nothing about the block itself.
    public var condemnsBlock: Bool { self != .timeTooNew && self != .merkleRoot && self != .encoding }

    public var description: String { "R\(rawValue) \(name)" }
}

/// A rule broken, with the detail a person needs to see why.
public struct RuleViolation: Error, Equatable, Sendable, CustomStringConvertible {
    public let rule: ConsensusRule
    public let detail: String

    public init(_ rule: ConsensusRule, _ detail: String) {
        self.rule = rule
        self.detail = detail
    }

    public var description: String { "\(rule): \(detail)" }
}
