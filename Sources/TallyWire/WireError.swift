/// Why bytes could not be decoded. Decoders return these; they never trap on hostile input.
public enum WireError: Error, Equatable, Sendable, CustomStringConvertible {
    case truncated(needed: Int, remaining: Int)
    case nonCanonicalCompactSize
    case countTooLarge(count: UInt64, limit: Int)
    case trailingBytes(Int)
    case invalidValue(String)

    public var description: String {
        switch self {
        case let .truncated(needed, remaining): "truncated: needed \(needed) bytes, \(remaining) left"
        case .nonCanonicalCompactSize: "CompactSize not in its shortest form"
        case let .countTooLarge(count, limit): "count \(count) exceeds limit \(limit)"
        case let .trailingBytes(n): "\(n) unexpected bytes after the value"
        case let .invalidValue(why): "invalid value: \(why)"
        }
    }
}
