import TallyCrypto

/// Why a message could not be read (Protocol.md §13.2). Every one of these means the peer sent bytes
/// the protocol forbids; the decoders return them and never trap. An unknown command is not an error:
/// it decodes to `Message.unknown`.
public enum MessageError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The envelope does not start with this network's magic bytes.
    case wrongMagic(expected: [UInt8], found: [UInt8])
    /// The 12 command bytes hold a byte outside printable ASCII, or a non-NUL byte after a NUL.
    case malformedCommand([UInt8])
    /// The payload length exceeds the command's limit (for an unknown command, the global limit).
    /// Detected from the envelope alone, before any payload byte is read.
    case payloadTooLarge(command: String, length: UInt64, limit: Int)
    /// The checksum in the envelope is not the first 4 bytes of SHA256d(payload).
    case checksumMismatch(command: String, expected: UInt32, found: UInt32)
    /// The payload does not decode exactly as its command's layout.
    case malformedPayload(command: String, WireError)
    /// A UDP discovery datagram that is not exactly one announcement of this network.
    case malformedAnnouncement(WireError)

    public var description: String {
        switch self {
        case let .wrongMagic(expected, found):
            "wrong magic \(hex(found)) (this network's is \(hex(expected)))"
        case let .malformedCommand(bytes):
            "malformed command \(hex(bytes))"
        case let .payloadTooLarge(command, length, limit):
            "'\(command)' payload of \(length) bytes exceeds its limit of \(limit)"
        case let .checksumMismatch(command, expected, found):
            "'\(command)' checksum mismatch: payload hashes to \(hex32(expected)), envelope says \(hex32(found))"
        case let .malformedPayload(command, error):
            "malformed '\(command)' payload: \(error)"
        case let .malformedAnnouncement(error):
            "malformed discovery announcement: \(error)"
        }
    }
}

private func hex(_ bytes: [UInt8]) -> String { Hex.encode(bytes) }

/// A checksum as its 4 wire bytes.
private func hex32(_ value: UInt32) -> String {
    Hex.encode((0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) })
}
