import TallyCrypto
import TallyTestSupport
import Testing

@testable import TallyWire

@Suite struct MessageTypesTests {
    /// (16 address bytes + big-endian port, as encoded; description). Python: ipaddress + struct.pack(">H").
    static let addresses: [(String, String)] = [
        ("00000000000000000000ffff01020304221d", "1.2.3.4:8733"),
        ("20010db8000000000000000000000001492d", "[2001:db8::1]:18733"),
        ("00000000000000000000000000000001162e", "[::1]:5678"),
        ("000000000000000000000000000000000000", "[::]:0"),
        ("fe800000000000000000000000000001492d", "[fe80::1]:18733"),
        ("000100000000000100000000000000010001", "[1:0:0:1::1]:1"),
        ("20010db8000000000001000000000001ffff", "[2001:db8::1:0:0:1]:65535"),
        ("20010db80000000100010001000100010050", "[2001:db8:0:1:1:1:1:1]:80"),
        ("000100000000000000000000000000000001", "[1::]:1"),
        ("000000000001000000000000000000000002", "[0:0:1::]:2"),
        ("abcdef0123456789abcdef01234567890003", "[abcd:ef01:2345:6789:abcd:ef01:2345:6789]:3"),
    ]

    @Test(arguments: addresses)
    func networkAddressEncodingAndDescription(hex: String, description: String) throws {
        let address = try NetworkAddress(decoding: bytes(hex))
        #expect(address.description == description)
        #expect(address.encoded == bytes(hex))
        #expect(address.bytes == Array(bytes(hex)[0..<16]))
    }

    @Test func ipv4Helpers() {
        let address = NetworkAddress(ipv4: [192, 168, 1, 20], port: 8733)
        #expect(address.isIPv4)
        #expect(address.ipv4 == [192, 168, 1, 20])
        #expect(address.bytes == bytes("00000000000000000000ffffc0a80114"))
        #expect(address.encoded == bytes("00000000000000000000ffffc0a80114221d"))
        #expect(address.description == "192.168.1.20:8733")
        let v6 = NetworkAddress(ipv6: bytes("20010db8000000000000000000000001"), port: 1)
        #expect(!v6.isIPv4)
        #expect(v6.ipv4 == nil)
        #expect(NetworkAddress.unspecified.description == "[::]:0")
        #expect(throws: WireError.truncated(needed: 2, remaining: 1)) {
            try NetworkAddress(decoding: bytes("00000000000000000000ffff0102030422"))
        }
    }

    @Test func protocolVersionNegotiation() {
        #expect(ProtocolVersion.current == 2)
        #expect(ProtocolVersion.minimumSupported == 1)
        #expect(ProtocolVersion.compactBlocks == 2)
        #expect(ProtocolVersion.negotiate(peer: 2) == 2)
        #expect(ProtocolVersion.negotiate(peer: 1) == 1)  // a version-1 peer: accepted, spoken to in 1
        #expect(ProtocolVersion.negotiate(peer: 70015) == 2)  // higher: accepted, we speak ours
        #expect(ProtocolVersion.negotiate(peer: .max) == 2)
        #expect(ProtocolVersion.negotiate(peer: 0) == nil)  // below the minimum: disconnect
        #expect(ProtocolVersion.negotiate(peer: -1) == nil)
        #expect(ProtocolVersion.negotiate(peer: 2, local: 3) == 2)
        #expect(ProtocolVersion.negotiate(peer: 5, local: 3) == 3)
    }

    @Test func codesAndFlags() {
        #expect(ServiceFlags.network.rawValue == 1)
        #expect(InventoryType.transaction.rawValue == 1)
        #expect(InventoryType.block.rawValue == 2)
        #expect(InventoryType(rawValue: 0).description == "unknown(0)")
        #expect(!InventoryType(rawValue: 3).isKnown)
        #expect(
            [RejectCode.malformed, .invalid, .obsolete, .duplicate, .nonstandard, .insufficientFee, .checkpoint]
                .map(\.rawValue) == [0x01, 0x10, 0x11, 0x12, 0x40, 0x42, 0x43])
        #expect(RejectCode(rawValue: 0x99).description == "code 153")
    }

    @Test func rejectReasonIsCutToWholeCharacters() throws {
        let long = RejectMessage(message: "version", code: .obsolete, reason: String(repeating: "a", count: 200))
        #expect(long.reason == String(repeating: "a", count: 111))
        // "é" is 2 bytes: 55 fit in 111.
        let accents = RejectMessage(message: "version", code: .obsolete, reason: String(repeating: "é", count: 60))
        #expect(accents.reason == String(repeating: "é", count: 55))
        #expect(accents.reason.utf8.count == 110)
        #expect(try RejectMessage(decoding: accents.encoded) == accents)
        #expect(
            RejectMessage.carriesHash("block") && RejectMessage.carriesHash("tx") && !RejectMessage.carriesHash("inv"))
    }

    @Test func chainWork() {
        #expect(ChainWork(bigEndianBytes: [UInt8](repeating: 0, count: 31)) == nil)
        #expect(ChainWork.zero < MessageFixtures.work)
        let high = ChainWork(bigEndianBytes: [1] + [UInt8](repeating: 0, count: 31))!
        #expect(MessageFixtures.work < high)
        #expect(MessageFixtures.work.description == String(repeating: "0", count: 55) + "123456789")
    }

    // MARK: Discovery announcement

    static let announcement = DiscoveryAnnouncement(
        network: .main, protocolVersion: 1, nodeNonce: 0x0123_4567_89ab_cdef, port: 8733, bestHeight: 1000,
        chainWork: MessageFixtures.work)
    static let announcementRegtest = DiscoveryAnnouncement(
        network: .regtest, protocolVersion: 2, nodeNonce: 0xfedc_ba98_7654_3210, port: 18733, bestHeight: .max,
        chainWork: ChainWork(bigEndianBytes: [UInt8](repeating: 0xff, count: 32))!)

    @Test func announcementIsByteExact() throws {
        #expect(Self.announcement.encoded == bytes(MessageVectors.announcement))
        #expect(Self.announcementRegtest.encoded == bytes(MessageVectors.announcementRegtest))
        #expect(bytes(MessageVectors.announcement).count == 58)
        // Offsets of Protocol.md §13.7: tag at 4, TCP port little-endian at 20, chain work at 26.
        let encoded = Self.announcement.encoded
        #expect(Array(encoded[4..<8]) == Array("TLYD".utf8))
        #expect(Array(encoded[20..<22]) == [0x1d, 0x22])
        #expect(Array(encoded[26..<58]) == MessageFixtures.work.bigEndianBytes)
        #expect(
            try DiscoveryAnnouncement(decoding: bytes(MessageVectors.announcement), network: .main) == Self.announcement
        )
        #expect(
            try DiscoveryAnnouncement(decoding: bytes(MessageVectors.announcementRegtest), network: .regtest)
                == Self.announcementRegtest)
    }

    @Test func announcementOfAnotherShapeIsRefused() {
        let good = bytes(MessageVectors.announcement)
        #expect(throws: MessageError.wrongMagic(expected: Network.regtest.magic, found: Network.main.magic)) {
            try DiscoveryAnnouncement(decoding: good, network: .regtest)
        }
        #expect(throws: MessageError.malformedAnnouncement(.truncated(needed: 58, remaining: 57))) {
            try DiscoveryAnnouncement(decoding: Array(good.dropLast()), network: .main)
        }
        #expect(throws: MessageError.malformedAnnouncement(.trailingBytes(1))) {
            try DiscoveryAnnouncement(decoding: good + [0], network: .main)
        }
        #expect(throws: MessageError.malformedAnnouncement(.truncated(needed: 58, remaining: 0))) {
            try DiscoveryAnnouncement(decoding: [], network: .main)
        }
        var tag = good
        tag[7] = UInt8(ascii: "E")
        #expect(throws: MessageError.malformedAnnouncement(.invalidValue("tag is not TLYD"))) {
            try DiscoveryAnnouncement(decoding: tag, network: .main)
        }
        // A TCP frame is not an announcement.
        #expect(throws: MessageError.self) {
            try DiscoveryAnnouncement(decoding: MessageCodec(network: .main).encode(.verack), network: .main)
        }
    }
}
