/// How bad one offence is (Protocol.md §13.9). A peer whose score reaches `BanScore.threshold` is
/// disconnected and its host banned. Offences that prove bad faith or a broken peer count for good;
/// a nuisance, which an honest peer can commit now and then, counts for a while and then decays.
public enum Offence: Equatable, Sendable, CustomStringConvertible {
    /// Bytes that are not a frame: bad magic, bad checksum, oversize length, malformed payload.
    case malformedMessage(String)
    /// A block or transaction that breaks a consensus rule.
    case invalidData(String)
    /// Messages that break the protocol's sequence or limits (e.g. too many items).
    case protocolViolation(String)
    /// Wasteful but possibly innocent (an unrequested block, too many announcements).
    case nuisance(String)

    public var score: Int {
        switch self {
        case .malformedMessage, .invalidData: 100
        case .protocolViolation: 50
        case .nuisance: 10
        }
    }

    /// Whether the score decays (see `BanScore`).
    public var decays: Bool {
        if case .nuisance = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .malformedMessage(let why): "malformed message: \(why)"
        case .invalidData(let why): "invalid data: \(why)"
        case .protocolViolation(let why): "protocol violation: \(why)"
        case .nuisance(let why): "nuisance: \(why)"
        }
    }
}
