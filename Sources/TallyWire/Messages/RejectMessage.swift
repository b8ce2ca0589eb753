import TallyCrypto

/// A BIP-61 reject code. Codes not listed decode and are kept.
public struct RejectCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let malformed = RejectCode(rawValue: 0x01)
    public static let invalid = RejectCode(rawValue: 0x10)
    public static let obsolete = RejectCode(rawValue: 0x11)
    public static let duplicate = RejectCode(rawValue: 0x12)
    public static let nonstandard = RejectCode(rawValue: 0x40)
    public static let insufficientFee = RejectCode(rawValue: 0x42)
    public static let checkpoint = RejectCode(rawValue: 0x43)

    public var description: String {
        switch self {
        case .malformed: "malformed"
        case .invalid: "invalid"
        case .obsolete: "obsolete"
        case .duplicate: "duplicate"
        case .nonstandard: "nonstandard"
        case .insufficientFee: "insufficient fee"
        case .checkpoint: "checkpoint"
        default: "code \(rawValue)"
        }
    }
}

/// `reject` (BIP-61): tells a peer that one of its messages was rejected and why. Informational only:
/// never required, never punished, never answered (Protocol.md §13.4).
///
/// Layout: message (var string ≤ 12) | code `u8` | reason (var string ≤ 111) | the hash of the
/// rejected block or transaction (32), present if and only if message is `block` or `tx`.
public struct RejectMessage: MessagePayload {
    public static let command = "reject"
    public static let maximumMessageLength = 12
    public static let maximumReasonLength = 111
    /// (1 + 12) + 1 + (1 + 111) + 32 = 158.
    public static let maximumPayloadSize = 1 + maximumMessageLength + 1 + 1 + maximumReasonLength + 32

    /// The command of the rejected message.
    public let message: String
    public let code: RejectCode
    /// For people; at most 111 bytes of UTF-8.
    public let reason: String
    /// The rejected block's or transaction's hash: non-nil exactly when `message` is `block` or `tx`.
    public let hash: Hash256?

    /// Whether a reject of `message` carries the rejected object's hash.
    public static func carriesHash(_ message: String) -> Bool {
        message == Block.command || message == Transaction.command
    }

    /// Traps if `message` is longer than 12 bytes, or if `hash` is given for a message other than
    /// `block` or `tx` or missing for one of them. A `reason` longer than 111 bytes is cut to the
    /// longest prefix of whole characters that fits.
    public init(message: String, code: RejectCode, reason: String, hash: Hash256? = nil) {
        precondition(message.utf8.count <= Self.maximumMessageLength, "reject: message longer than 12 bytes")
        precondition((hash != nil) == Self.carriesHash(message), "reject: a hash exactly for block and tx")
        self.message = message
        self.code = code
        var reason = reason
        while reason.utf8.count > Self.maximumReasonLength { reason.removeLast() }
        self.reason = reason
        self.hash = hash
    }

    public func encode(to writer: inout ByteWriter) {
        writer.writeVarString(message)
        writer.write(code.rawValue)
        writer.writeVarString(reason)
        if let hash { writer.write(hash) }
    }

    public init(from reader: inout ByteReader) throws(WireError) {
        message = try reader.readVarString(maximumLength: Self.maximumMessageLength)
        code = RejectCode(rawValue: try reader.readUInt8())
        reason = try reader.readVarString(maximumLength: Self.maximumReasonLength)
        hash = try Self.carriesHash(message) ? reader.readHash() : nil
    }
}
