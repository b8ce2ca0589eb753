import TallyCrypto
import TallyTestSupport
import Testing

@testable import TallyWire

/// A 24-byte envelope written by hand from Protocol.md §13.1: magic, the command bytes padded with
/// NULs to 12, the length (u32 little-endian), a checksum.
private func envelope(
    _ command: [UInt8], length: UInt32, checksum: [UInt8] = [0x5d, 0xf6, 0xe0, 0xe2],
    magic: [UInt8] = Network.main.magic
) -> [UInt8] {
    precondition(command.count <= 12)
    return magic + command + [UInt8](repeating: 0, count: 12 - command.count)
        + [UInt8(length & 0xff), UInt8(length >> 8 & 0xff), UInt8(length >> 16 & 0xff), UInt8(length >> 24)] + checksum
}

private func ascii(_ text: String) -> [UInt8] { Array(text.utf8) }

@Suite struct MessageFramingTests {
    let codec = MessageCodec(network: .main)

    @Test func wrongMagicIsRefusedFromTheEnvelope() {
        let regtestFrame = bytes(MessageVectors.verackFrameRegtest)
        let expected = MessageError.wrongMagic(expected: Network.main.magic, found: Network.regtest.magic)
        #expect(throws: expected) { try codec.decodeFrame(regtestFrame) }
        #expect(throws: expected) { try MessageHeader(decoding: regtestFrame, network: .main) }
        #expect(throws: MessageError.wrongMagic(expected: Network.main.magic, found: [0, 0, 0, 0])) {
            try codec.decodeFrame([UInt8](repeating: 0, count: 24))
        }
        // The same bytes are fine for regtest.
        #expect(throws: Never.self) { try MessageHeader(decoding: regtestFrame, network: .regtest) }
    }

    static let malformedCommands: [[UInt8]] = [
        ascii("ver") + [0] + ascii("sion"),  // a non-NUL byte after a NUL
        ascii("ping") + [0, 0, 0, 0, 0, 0, 0] + ascii("x"),  // ... at the very end
        ascii("ping") + [0x7f],  // DEL
        ascii("ping") + [0x1f],  // a control byte
        ascii("ping") + [0x0a],  // newline
        ascii("caf") + [0xc3, 0xa9],  // non-ASCII (UTF-8 é)
        [0xff] + ascii("ping"),
    ]

    @Test(arguments: malformedCommands)
    func malformedCommandIsRefused(_ command: [UInt8]) {
        let header = envelope(command, length: 0)
        let padded = command + [UInt8](repeating: 0, count: 12 - command.count)
        #expect(throws: MessageError.malformedCommand(padded)) { try codec.decodeFrame(header) }
        #expect(throws: MessageError.malformedCommand(padded)) { try MessageHeader(decoding: header, network: .main) }
    }

    @Test func printableCommandsAreWellFormed() throws {
        // Every printable byte is allowed (as Bitcoin); a full 12-byte command has no padding.
        #expect(
            try codec.decodeFrame(envelope(ascii("a b~!"), length: 0))?.message
                == .unknown(command: "a b~!", payload: []))
        #expect(
            try codec.decodeFrame(envelope(ascii("abcdefghijkl"), length: 0))?.message
                == .unknown(command: "abcdefghijkl", payload: []))
        #expect(MessageHeader.isValidCommand("abcdefghijkl"))
        #expect(!MessageHeader.isValidCommand("abcdefghijklm"))
        #expect(!MessageHeader.isValidCommand("a\u{0}b"))
        #expect(!MessageHeader.isValidCommand("café"))
    }

    /// (command, announced length, the command's limit): each length is one over the limit.
    static let oversize: [(String, UInt32, Int)] = [
        ("ping", 9, 8), ("pong", 9, 8), ("verack", 1, 0), ("getaddr", 1, 0), ("mempool", 1, 0), ("getstatus", 1, 0),
        ("version", 401, 400), ("inv", 1_800_004, 1_800_003), ("getdata", 1_800_004, 1_800_003),
        ("notfound", 1_800_004, 1_800_003), ("getblocks", 3_270, 3_269), ("getheaders", 3_270, 3_269),
        ("headers", 162_004, 162_003), ("block", 1_048_577, 1_048_576), ("tx", 1_048_577, 1_048_576),
        ("addr", 30_004, 30_003), ("reject", 159, 158), ("status", 286_106, 286_105),
        ("sendcmpct", 10, 9), ("cmpctblock", 1_054_902, 1_054_901), ("getblocktxn", 6_352, 6_351),
        ("blocktxn", 1_048_529, 1_048_528),
        ("feefilter", 4_000_001, 4_000_000), ("", 4_000_001, 4_000_000), ("foo", 0xffff_ffff, 4_000_000),
        ("block", 4_000_001, 1_048_576), ("ping", 0xffff_ffff, 8),
    ]

    @Test(arguments: oversize)
    func oversizeLengthIsRefusedFromThe24ByteEnvelopeAlone(command: String, length: UInt32, limit: Int) {
        let header = envelope(ascii(command), length: length)
        let expected = MessageError.payloadTooLarge(command: command, length: UInt64(length), limit: limit)
        // Only the 24 envelope bytes are there: the decoder throws rather than waiting for the payload.
        #expect(throws: expected) { try codec.decodeFrame(header) }
        #expect(throws: expected) { try MessageHeader(decoding: header, network: .main) }
    }

    @Test(arguments: oversize)
    func lengthAtTheLimitWaitsForThePayload(command: String, length: UInt32, limit: Int) throws {
        let header = envelope(ascii(command), length: UInt32(limit))
        #expect(try MessageHeader(decoding: header, network: .main).payloadLength == limit)
        if limit == 0 {
            // An empty message: the envelope is the whole frame.
            #expect(try codec.decodeFrame(header)?.message.command == command)
        } else {
            #expect(try codec.decodeFrame(header) == nil)
            #expect(try codec.decodeFrame(header + [1, 2, 3]) == nil)
        }
    }

    @Test func checksumMismatchIsRefused() throws {
        // The ping frame with the last payload byte changed: payload 8877665544332210 hashes to
        // a957428c…, the envelope still says 8d9a66f2.
        let frame = bytes("d9a17e5470696e670000000000000000080000008d9a66f28877665544332210")
        let expected = MessageError.checksumMismatch(command: "ping", expected: 0x8c42_57a9, found: 0xf266_9a8d)
        #expect(throws: expected) { try codec.decodeFrame(frame) }
        let header = try MessageHeader(decoding: Array(frame[0..<24]), network: .main)
        #expect(throws: expected) { try header.verifyChecksum(of: Array(frame[24...])) }
        #expect(throws: Never.self) { try header.verifyChecksum(of: bytes("8877665544332211")) }
    }

    @Test func malformedPayloadInAWellFormedFrameIsRefused() {
        // Python: a ping frame with a 7-byte payload (right checksum) and a headers frame whose entry
        // has transaction count 1.
        #expect(throws: MessageError.malformedPayload(command: "ping", .truncated(needed: 8, remaining: 7))) {
            try codec.decodeFrame(bytes("d9a17e5470696e67000000000000000007000000689b0e6e88776655443322"))
        }
        let headers = bytes("d9a17e5468656164657273000000000052000000db04dbac01") + bytes(Fixtures.headerHex) + [1]
        #expect {
            try codec.decodeFrame(headers)
        } throws: { error in
            guard case .malformedPayload("headers", .invalidValue) = error as? MessageError else { return false }
            return true
        }
    }

    @Test(arguments: MessageCase.all)
    func truncatedFrameNeedsMoreBytes(_ c: MessageCase) throws {
        let frame = c.frame
        for length in 0..<frame.count {
            #expect(try codec.decodeFrame(Array(frame[0..<length])) == nil, "prefix of \(length) bytes")
        }
    }

    @Test func streamOfSeveralFrames() throws {
        let frames = [
            MessageCase.all[0], MessageCase.all[3], MessageCase.all[4], MessageCase.all[12], MessageCase.all[21],
        ]
        let partial = Array(MessageCase.all[6].frame.prefix(30))
        let stream = frames.flatMap(\.frame) + partial
        var offset = 0
        var decoded: [Message] = []
        while let frame = try codec.decodeFrame(stream, at: offset) {
            decoded.append(frame.message)
            offset += frame.byteCount
        }
        #expect(decoded == frames.map(\.message))
        #expect(offset == stream.count - partial.count)
        // The rest of the last frame arrives.
        let complete = stream + MessageCase.all[6].frame.dropFirst(30)
        #expect(try codec.decodeFrame(complete, at: offset)?.message == MessageCase.all[6].message)
    }

    @Test func anErrorInTheMiddleOfAStream() {
        // A good frame, then garbage: the first decodes, the second throws from its envelope.
        let stream = MessageCase.all[4].frame + [UInt8](repeating: 0xAB, count: 24)
        #expect(throws: Never.self) { try codec.decodeFrame(stream) }
        #expect(throws: MessageError.wrongMagic(expected: Network.main.magic, found: [0xAB, 0xAB, 0xAB, 0xAB])) {
            try codec.decodeFrame(stream, at: MessageCase.all[4].frame.count)
        }
    }

    @Test func errorsDescribeThemselves() {
        #expect(
            MessageError.wrongMagic(expected: Network.main.magic, found: Network.regtest.magic).description
                == "wrong magic fa1bc05e (this network's is d9a17e54)")
        #expect(
            MessageError.payloadTooLarge(command: "ping", length: 9, limit: 8).description
                == "'ping' payload of 9 bytes exceeds its limit of 8")
        #expect(
            MessageError.checksumMismatch(command: "ping", expected: 0x8c42_57a9, found: 0xf266_9a8d).description
                == "'ping' checksum mismatch: payload hashes to a957428c, envelope says 8d9a66f2")
    }
}
