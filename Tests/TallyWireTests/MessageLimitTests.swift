import TallyCrypto
import TallyTestSupport
import Testing

@testable import TallyWire

/// Checks a payload fails to decode under `command` with exactly `error`.
func expectMalformed(
    _ command: String, _ payload: [UInt8], _ error: WireError,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(throws: MessageError.malformedPayload(command: command, error), sourceLocation: sourceLocation) {
        try MessageCodec.decodePayload(command: command, payload: payload)
    }
}

/// Checks a payload fails to decode under `command` with `WireError.invalidValue`.
func expectInvalidValue(
    _ command: String, _ payload: [UInt8], sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(sourceLocation: sourceLocation) {
        try MessageCodec.decodePayload(command: command, payload: payload)
    } throws: { error in
        guard case .malformedPayload(command, .invalidValue) = error as? MessageError else { return false }
        return true
    }
}

private func zeros(_ n: Int) -> [UInt8] { [UInt8](repeating: 0, count: n) }

@Suite struct MessageLimitTests {
    @Test func limitsAreThoseOfProtocolMd() {
        let expected: [String: Int] = [
            "version": 400, "verack": 0, "ping": 8, "pong": 8, "inv": 1_800_003, "getdata": 1_800_003,
            "notfound": 1_800_003, "getblocks": 3_269, "getheaders": 3_269, "headers": 162_003, "block": 1_048_576,
            "tx": 1_048_576, "getaddr": 0, "addr": 30_003, "mempool": 0, "reject": 158, "getstatus": 0,
            "status": 286_105, "sendcmpct": 9, "cmpctblock": 1_054_901, "getblocktxn": 6_351, "blocktxn": 1_048_528,
        ]
        #expect(Set(MessageCodec.knownCommands) == Set(expected.keys))
        #expect(MessageCodec.knownCommands.count == 22)
        // The fuzz targets pick commands by position: the compact blocks come after the first 18.
        #expect(
            Array(MessageCodec.knownCommands[18...]) == ["sendcmpct", "cmpctblock", "getblocktxn", "blocktxn"])
        for (command, limit) in expected {
            #expect(MessageCodec.maximumPayloadSize(forCommand: command) == limit, "\(command)")
        }
        #expect(MessageCodec.maximumPayloadSize(forCommand: "feefilter") == 4_000_000)
        #expect(MessageHeader.maximumPayloadSize == 4_000_000)
        #expect(InvMessage.maximumCount == 50_000)
        #expect(GetHeadersMessage.maximumLocatorCount == 101)
        #expect(HeadersMessage.maximumCount == 2_000)
        #expect(AddrMessage.maximumCount == 1_000)
        #expect(StatusMessage.maximumPeerCount == 1_000)
    }

    // MARK: Counts and lengths one above their limit

    @Test func inventoryCountAboveLimit() {
        // CompactSize 50,001 = fd 51 c3.
        for command in ["inv", "getdata", "notfound"] {
            expectMalformed(command, bytes("fd51c3"), .countTooLarge(count: 50_001, limit: 50_000))
        }
    }

    @Test func locatorCountAboveLimit() {
        for command in ["getblocks", "getheaders"] {
            expectMalformed(command, bytes("01000000" + "66"), .countTooLarge(count: 102, limit: 101))
        }
    }

    @Test func headersCountAboveLimit() {
        expectMalformed("headers", bytes("fdd107"), .countTooLarge(count: 2_001, limit: 2_000))
    }

    @Test func addrCountAboveLimit() {
        expectMalformed("addr", bytes("fde903"), .countTooLarge(count: 1_001, limit: 1_000))
    }

    @Test func statusPeerCountAboveLimit() {
        expectMalformed("status", zeros(102) + bytes("fde903"), .countTooLarge(count: 1_001, limit: 1_000))
    }

    @Test func stringsAboveTheirLimits() {
        // version: the 80 bytes before the user agent (from the Python vector), then a length of 257.
        let beforeUserAgent = Array(bytes(MessageVectors.versionPayload)[0..<80])
        expectMalformed(
            "version", beforeUserAgent + bytes("fd0101") + zeros(257 + 5), .countTooLarge(count: 257, limit: 256))
        // reject: a 13-byte message; a 112-byte reason.
        expectMalformed("reject", bytes("0d") + zeros(13 + 2), .countTooLarge(count: 13, limit: 12))
        expectMalformed(
            "reject", bytes("027478" + "42" + "70") + zeros(112 + 32), .countTooLarge(count: 112, limit: 111))
        // status: a peer whose user agent is 257 bytes.
        let peer = zeros(18) + [0] + bytes("fd0101") + zeros(257 + 8)
        expectMalformed("status", zeros(102) + [1] + peer, .countTooLarge(count: 257, limit: 256))
    }

    @Test func lyingCountsAreRefusedBeforeAllocating() {
        // A count within the limit that the remaining bytes cannot hold.
        expectMalformed("inv", bytes("fd50c3"), .truncated(needed: 1_800_000, remaining: 0))
        expectMalformed("headers", bytes("fdd007") + zeros(80), .truncated(needed: 162_000, remaining: 80))
        expectMalformed("addr", bytes("fde803"), .truncated(needed: 30_000, remaining: 0))
        expectMalformed("getheaders", bytes("01000000" + "65"), .truncated(needed: 3_232, remaining: 0))
        // A user agent length of 200 with 10 bytes left.
        let beforeUserAgent = Array(bytes(MessageVectors.versionPayload)[0..<80])
        expectMalformed("version", beforeUserAgent + bytes("c8") + zeros(10), .truncated(needed: 200, remaining: 10))
    }

    // MARK: Exactly at the limits

    @Test func largestMessagesFitTheirLimitsExactly() throws {
        let hash = MessageFixtures.hash(0..<32)
        let inv = InvMessage(inventory: Array(repeating: .block(hash), count: 50_000))
        let getBlocks = GetBlocksMessage(locator: Array(repeating: hash, count: 101), hashStop: hash)
        let headers = HeadersMessage(headers: Array(repeating: Fixtures.header, count: 2_000))
        let addr = AddrMessage(entries: Array(repeating: MessageFixtures.addr.entries[0], count: 1_000))
        let peer = StatusMessage.Peer(
            address: .unspecified, inbound: true, userAgent: String(repeating: "u", count: 256),
            startHeight: 1, banScore: 2)
        let s = MessageFixtures.status
        let status = StatusMessage(
            height: s.height, tipHash: s.tipHash, chainWork: s.chainWork,
            bestHeaderHeight: s.bestHeaderHeight, mempoolTransactionCount: 1, mempoolBytes: 2,
            mining: true, hashRate: 3, syncing: true, uptime: 4,
            peers: Array(repeating: peer, count: 1_000))
        let cases: [(Message, Int)] = [
            (.inv(inv), 1_800_003), (.getBlocks(getBlocks), 3_269), (.headers(headers), 162_003),
            (.addr(addr), 30_003), (.status(status), 286_105), (.ping(PingMessage(nonce: 1)), 8),
        ]
        let codec = MessageCodec(network: .main)
        for (message, size) in cases {
            let payload = message.payload
            #expect(payload.count == size, "\(message.command)")
            #expect(payload.count == MessageCodec.maximumPayloadSize(forCommand: message.command))
            #expect(try MessageCodec.decodePayload(command: message.command, payload: payload) == message)
            let frame = codec.encode(message)
            #expect(try codec.decodeFrame(frame)?.message == message)
        }
        // The longest version and reject stay below their limits.
        #expect(MessageFixtures.versionMax.encoded.count == 344)
        let reject = RejectMessage(
            message: "block", code: .invalid, reason: String(repeating: "r", count: 111), hash: hash)
        #expect(reject.encoded.count == 151)
        #expect(try RejectMessage(decoding: reject.encoded) == reject)
    }

    @Test func payloadOverTheLimitIsRefusedByThePayloadDecoderToo() {
        #expect(throws: MessageError.payloadTooLarge(command: "block", length: 1_048_577, limit: 1_048_576)) {
            try MessageCodec.decodePayload(command: "block", payload: zeros(1_048_577))
        }
        #expect(throws: MessageError.payloadTooLarge(command: "verack", length: 1, limit: 0)) {
            try MessageCodec.decodePayload(command: "verack", payload: [0])
        }
    }

    // MARK: Malformed payloads

    @Test(arguments: MessageCase.all)
    func trailingBytesAreRefused(_ c: MessageCase) {
        let payload = bytes(c.payload) + [0]
        let limit = MessageCodec.maximumPayloadSize(forCommand: c.command)
        if payload.count > limit {
            // The empty messages, ping and pong: one more byte is already over their limit.
            #expect(
                throws: MessageError.payloadTooLarge(command: c.command, length: UInt64(payload.count), limit: limit)
            ) {
                try MessageCodec.decodePayload(command: c.command, payload: payload)
            }
        } else {
            expectMalformed(c.command, payload, .trailingBytes(1))
        }
    }

    @Test func emptyMessagesRefuseAnyByte() {
        #expect(throws: WireError.trailingBytes(1)) { try VerackMessage(decoding: [0]) }
        #expect(throws: WireError.trailingBytes(2)) { try GetAddrMessage(decoding: [1, 2]) }
        #expect(throws: WireError.trailingBytes(1)) { try MempoolMessage(decoding: [0]) }
        #expect(throws: WireError.trailingBytes(1)) { try GetStatusMessage(decoding: [0]) }
        #expect(throws: Never.self) { try VerackMessage(decoding: []) }
    }

    @Test func headersEntryWithTransactionsIsRefused() {
        // One header followed by transaction count 1 (Python vector), or a non-canonical 0.
        expectInvalidValue("headers", bytes("01") + bytes(Fixtures.headerHex) + [1])
        expectMalformed("headers", bytes("01") + bytes(Fixtures.headerHex) + bytes("fd0000"), .nonCanonicalCompactSize)
        // A header with no transaction count at all.
        expectMalformed("headers", bytes("01") + bytes(Fixtures.headerHex), .truncated(needed: 81, remaining: 80))
    }

    @Test func nonCanonicalCountIsRefused() {
        expectMalformed("inv", bytes("fd0100") + zeros(36), .nonCanonicalCompactSize)
        expectMalformed("addr", bytes("fe01000000") + zeros(30), .nonCanonicalCompactSize)
    }

    @Test func boolsOtherThanZeroOrOneAreRefused() {
        var version = bytes(MessageVectors.versionPayload)
        version[version.count - 1] = 2
        expectInvalidValue("version", version)
        var status = bytes(MessageVectors.statusNoPeersPayload)
        status[4 + 32 + 32 + 4 + 4 + 8] = 0xff  // mining
        expectInvalidValue("status", status)
    }

    @Test func userAgentMustBeUTF8() {
        // The version vector with its user agent "/tallyd:0.1.0/" (14 bytes at 81..<95) made "\xff" + 13 bytes.
        var version = bytes(MessageVectors.versionPayload)
        #expect(version[80] == 14)
        version[81] = 0xff
        expectInvalidValue("version", version)
    }

    @Test func rejectHashPresentExactlyForBlockAndTx() {
        // "tx" without its hash; "version" with one.
        expectMalformed("reject", bytes("027478" + "42" + "00"), .truncated(needed: 32, remaining: 0))
        expectMalformed("reject", bytes(MessageVectors.rejectVersionPayload) + zeros(32), .trailingBytes(32))
    }

    @Test func truncatedPayloadsAreRefused() {
        for c in MessageCase.all where !bytes(c.payload).isEmpty {
            let payload = bytes(c.payload)
            for length in 0..<payload.count {
                #expect(throws: MessageError.self, "\(c.name) cut to \(length)") {
                    try MessageCodec.decodePayload(command: c.command, payload: Array(payload[0..<length]))
                }
            }
        }
    }
}
