import TallyCrypto

/// The 24-byte envelope before every message's payload (Protocol.md §13.1), as Bitcoin's:
///
/// magic (4) | command (12, ASCII, NUL-padded) | payload length `u32` | checksum (4)
public struct MessageHeader: Hashable, Sendable {
    public static let size = 24
    public static let commandSize = 12
    /// No payload is longer, whatever its command.
    public static let maximumPayloadSize = 4_000_000

    public let network: Network
    public let command: String
    public let payloadLength: Int
    /// The first 4 bytes of SHA256d(payload), read as a little-endian `u32`.
    public let checksum: UInt32

    /// The envelope for sending `payload` under `command`. Traps if the command is not 12 bytes or
    /// fewer of printable ASCII, or the payload is over the global limit.
    public init(network: Network, command: String, payload: [UInt8]) {
        precondition(MessageHeader.isValidCommand(command), "invalid command '\(command)'")
        precondition(payload.count <= MessageHeader.maximumPayloadSize, "payload over the global limit")
        self.network = network
        self.command = command
        payloadLength = payload.count
        checksum = MessageHeader.checksum(of: payload)
    }

    /// Decodes and checks an envelope: `bytes` must be exactly 24 bytes (the caller waits until it
    /// has them). Throws on the wrong magic, a malformed command, or a length over the global limit
    /// or over the command's limit (an unknown command has the global limit), all before any byte
    /// of the payload is read. The checksum is checked by `verifyChecksum(of:)` once the payload is in.
    public init(decoding bytes: [UInt8], network: Network) throws(MessageError) {
        precondition(bytes.count == MessageHeader.size, "a message header is 24 bytes")
        let magic = Array(bytes[0..<4])
        guard magic == network.magic else { throw .wrongMagic(expected: network.magic, found: magic) }
        let commandBytes = Array(bytes[4..<16])
        guard let command = MessageHeader.command(from: commandBytes) else { throw .malformedCommand(commandBytes) }
        let length = MessageHeader.littleEndianUInt32(bytes, at: 16)
        let limit = MessageCodec.maximumPayloadSize(forCommand: command)
        guard length <= limit else { throw .payloadTooLarge(command: command, length: UInt64(length), limit: limit) }
        self.network = network
        self.command = command
        payloadLength = Int(length)
        checksum = MessageHeader.littleEndianUInt32(bytes, at: 20)
    }

    private static func littleEndianUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        (0..<4).reduce(0) { $0 | UInt32(bytes[offset + $1]) << (8 * $1) }
    }

    public var encoded: [UInt8] {
        var writer = ByteWriter(capacity: MessageHeader.size)
        writer.write(bytes: network.magic)
        let command = Array(command.utf8)
        writer.write(bytes: command + [UInt8](repeating: 0, count: MessageHeader.commandSize - command.count))
        writer.write(UInt32(payloadLength))
        writer.write(checksum)
        return writer.bytes
    }

    /// The first 4 bytes of SHA256d(payload), as a little-endian `u32`.
    public static func checksum(of payload: [UInt8]) -> UInt32 {
        UInt32(truncatingIfNeeded: SHA256.doubleHash(payload).w0)
    }

    /// Throws `checksumMismatch` unless `payload` (which must have the announced length) hashes to
    /// the envelope's checksum.
    public func verifyChecksum(of payload: [UInt8]) throws(MessageError) {
        precondition(payload.count == payloadLength, "the payload has the length the header announced")
        let actual = MessageHeader.checksum(of: payload)
        guard actual == checksum else { throw .checksumMismatch(command: command, expected: actual, found: checksum) }
    }

    /// Whether `command` can be sent: at most 12 bytes, each printable ASCII (0x20 … 0x7E).
    public static func isValidCommand(_ command: String) -> Bool {
        command.utf8.count <= commandSize && command.utf8.allSatisfy { (0x20...0x7E).contains($0) }
    }

    /// The command in 12 envelope bytes: printable ASCII, then only NUL padding; nil if malformed.
    static func command(from bytes: [UInt8]) -> String? {
        let end = bytes.firstIndex(of: 0) ?? bytes.count
        guard bytes[..<end].allSatisfy({ (0x20...0x7E).contains($0) }), bytes[end...].allSatisfy({ $0 == 0 }) else {
            return nil
        }
        return String(decoding: bytes[..<end], as: UTF8.self)
    }
}
