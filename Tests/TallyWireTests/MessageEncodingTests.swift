import TallyCrypto
import TallyTestSupport
import Testing

@testable import TallyWire

/// Expected bytes of every message, computed in Python by an encoder written from Protocol.md §13
/// (not from this code): payloads, and the 24-byte envelope each gets on the main network.
enum MessageVectors {
    static let versionPayload =
        "0100000001000000000000007b82036b00000000010000000000000000000000000000000000ffff01020304221d0100"
        + "00000000000020010db8000000000000000000000001492defcdab89674523010e2f74616c6c79643a302e312e302f39"
        + "30000001"
    static let versionEnvelope = "d9a17e5476657273696f6e000000000064000000f34a7a41"
    static let versionHigherPayload =
        "7f1101000904000000000000fbffffffffffffff00000000000000000000000000000000000000000000000000000000"
        + "0000000000000000000000000000000000000000000000002a0000000000000000ffffffff00"
    static let versionHigherEnvelope = "d9a17e5476657273696f6e000000000056000000e971917a"
    static let versionMaxPayload =
        "0100000001000000000000000000000000000000010000000000000000000000000000000000ffff7f000001492d0100"
        + "0000000000000000000000000000000000000000000000000100000000000000fd000161616161616161616161616161"
        + "616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161"
        + "616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161"
        + "616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161"
        + "616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161"
        + "616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161"
        + "6161610000000001"
    static let versionMaxEnvelope = "d9a17e5476657273696f6e0000000000580100007d05cc71"
    static let verackPayload = ""
    static let verackEnvelope = "d9a17e5476657261636b000000000000000000005df6e0e2"
    static let pingPayload = "8877665544332211"
    static let pingEnvelope = "d9a17e5470696e670000000000000000080000008d9a66f2"
    static let pongPayload = "1122334455667788"
    static let pongEnvelope = "d9a17e54706f6e67000000000000000008000000d6d19317"
    static let invPayload =
        "0301000000000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f0200000020212223242526"
        + "2728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f07000000404142434445464748494a4b4c4d4e4f505152"
        + "535455565758595a5b5c5d5e5f"
    static let invEnvelope = "d9a17e54696e760000000000000000006d00000081e610cb"
    static let getdataPayload = "0101000000000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
    static let getdataEnvelope = "d9a17e546765746461746100000000002500000041018a30"
    static let notfoundPayload = "0102000000202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
    static let notfoundEnvelope = "d9a17e546e6f74666f756e640000000025000000701ca0c9"
    static let getblocksPayload =
        "0100000002000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a"
        + "2b2c2d2e2f303132333435363738393a3b3c3d3e3f000000000000000000000000000000000000000000000000000000"
        + "0000000000"
    static let getblocksEnvelope = "d9a17e54676574626c6f636b730000006500000046465b17"
    static let getheadersPayload =
        "0100000001000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f404142434445464748494a"
        + "4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
    static let getheadersEnvelope = "d9a17e546765746865616465727300004500000071938ee7"
    static let headersPayload =
        "0201000020000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a"
        + "2b2c2d2e2f303132333435363738393a3b3c3d3e3f7bf15365ffff001defbeadde000100000040414243444546474849"
        + "4a4b4c4d4e4f505152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f70717273747576777879"
        + "7a7b7c7d7e7f0082036bffff7f200700000000"
    static let headersEnvelope = "d9a17e54686561646572730000000000a30000004c4665f6"
    static let blockPayload =
        "01000020000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b"
        + "2c2d2e2f303132333435363738393a3b3c3d3e3f7bf15365ffff001defbeadde01010000000100000000000000000000"
        + "00000000000000000000000000000000000000000000ffffffff04030201887766554433221168656c6c6f0000000000"
        + "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
        + "00000000000000000000000000000000000000000000000000000100f2052a0100000000000000000000000000000000"
        + "00000000000000"
    static let blockEnvelope = "d9a17e54626c6f636b00000000000000f70000001fd7b6ee"
    static let txPayload =
        "0200000002000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f0403020120212223242526"
        + "2728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f50515253545556"
        + "5758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f80818283848586"
        + "8788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f07000000a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2"
        + "b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2"
        + "e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff0200f2052a01000000c8c9cacbcccdcecfd0d1"
        + "d2d3d4d5d6d7d8d9dadb0807060504030201dcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeef"
    static let txEnvelope = "d9a17e5474780000000000000000000046010000e780a794"
    static let getaddrPayload = ""
    static let getaddrEnvelope = "d9a17e54676574616464720000000000000000005df6e0e2"
    static let addrPayload =
        "020082036b010000000000000000000000000000000000ffff0a000001221d187e036b0904000000000000fe80000000"
        + "0000000000000000000001492d"
    static let addrEnvelope = "d9a17e546164647200000000000000003d0000005b1ec5b4"
    static let mempoolPayload = ""
    static let mempoolEnvelope = "d9a17e546d656d706f6f6c0000000000000000005df6e0e2"
    static let rejectTxPayload =
        "027478420b66656520746f6f206c6f77000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
    static let rejectTxEnvelope = "d9a17e5472656a6563740000000000003000000018310f84"
    static let rejectVersionPayload = "0776657273696f6e11126f62736f6c6574652076657273696f6e2030"
    static let rejectVersionEnvelope = "d9a17e5472656a6563740000000000001c0000009e8d5786"
    static let rejectUnknownCodePayload =
        "05626c6f636b9900202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
    static let rejectUnknownCodeEnvelope = "d9a17e5472656a6563740000000000002800000088fbf190"
    static let getstatusPayload = ""
    static let getstatusEnvelope = "d9a17e54676574737461747573000000000000005df6e0e2"
    static let statusPayload =
        "e8030000000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f000000000000000000000000"
        + "0000000000000000000000000000000123456789ea03000003000000f20100000000000001e082ec000000000000100e"
        + "0000000000000200000000000000000000ffff01020304221d000e2f74616c6c79643a302e312e302fe7030000000000"
        + "0000000000000000000000000000000001492d01132f74616c6c792d70726f62653a302e312e302f0000000014000000"
    static let statusEnvelope = "d9a17e54737461747573000000000000c0000000614d23b8"
    static let statusNoPeersPayload =
        "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
        + "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000010000"
        + "00000000000000"
    static let statusNoPeersEnvelope = "d9a17e5473746174757300000000000067000000d595271a"
    static let unknownFrame = "d9a17e5466656566696c74657200000008000000e80fd19fe803000000000000"
    static let verackFrameRegtest = "fa1bc05e76657261636b000000000000000000005df6e0e2"
    static let announcement =
        "d9a17e54544c594401000000efcdab89674523011d22e803000000000000000000000000000000000000000000000000"
        + "00000000000123456789"
    static let announcementRegtest =
        "fa1bc05e544c5944020000001032547698badcfe2d49ffffffffffffffffffffffffffffffffffffffffffffffffffff"
        + "ffffffffffffffffffff"
}

/// The values the vectors above encode.
enum MessageFixtures {
    /// A hash whose wire bytes are `r` (e.g. 00…1f).
    static func hash(_ r: Range<Int>) -> Hash256 { Hash256(bytes: Fixtures.range(r)) }

    static let version = VersionMessage(
        protocolVersion: 1, services: .network, timestamp: 1_795_392_123,
        receiverServices: .network, receiverAddress: NetworkAddress(ipv4: [1, 2, 3, 4], port: 8733),
        senderServices: .network,
        senderAddress: NetworkAddress(ipv6: bytes("20010db8000000000000000000000001"), port: 18733),
        nonce: 0x0123_4567_89ab_cdef, userAgent: "/tallyd:0.1.0/", startHeight: 12345, relay: true)
    /// A peer announcing protocol version 70015, unknown service bits, empty user agent, relay off.
    static let versionHigher = VersionMessage(
        protocolVersion: 70015, services: ServiceFlags(rawValue: 0x409), timestamp: -5,
        receiverServices: [], receiverAddress: .unspecified, senderServices: [], senderAddress: .unspecified,
        nonce: 42, userAgent: "", startHeight: -1, relay: false)
    /// The longest `version`: a 256-byte user agent (344 bytes in all).
    static let versionMax = VersionMessage(
        protocolVersion: 1, services: .network, timestamp: 0,
        receiverServices: .network, receiverAddress: NetworkAddress(ipv4: [127, 0, 0, 1], port: 18733),
        senderServices: .network, senderAddress: .unspecified,
        nonce: 1, userAgent: String(repeating: "a", count: 256), startHeight: 0, relay: true)

    static let inv = InvMessage(inventory: [
        .transaction(hash(0..<32)), .block(hash(32..<64)),
        InventoryVector(type: InventoryType(rawValue: 7), hash: hash(64..<96)),
    ])
    static let getData = GetDataMessage(inventory: [.transaction(hash(0..<32))])
    static let notFound = NotFoundMessage(inventory: [.block(hash(32..<64))])
    static let getBlocks = GetBlocksMessage(version: 1, locator: [hash(0..<32), hash(32..<64)], hashStop: .zero)
    static let getHeaders = GetHeadersMessage(version: 1, locator: [hash(0..<32)], hashStop: hash(64..<96))
    static let header2 = BlockHeader(
        version: 1, previousBlockHash: hash(64..<96), merkleRoot: hash(96..<128),
        time: 1_795_392_000, bits: 0x207f_ffff, nonce: 7)
    static let headers = HeadersMessage(headers: [Fixtures.header, header2])
    static let block = Block(header: Fixtures.header, transactions: [Fixtures.coinbase])
    static let addr = AddrMessage(entries: [
        .init(time: 1_795_392_000, services: .network, address: NetworkAddress(ipv4: [10, 0, 0, 1], port: 8733)),
        .init(
            time: 1_795_391_000, services: ServiceFlags(rawValue: 0x409),
            address: NetworkAddress(ipv6: bytes("fe800000000000000000000000000001"), port: 18733)),
    ])
    static let rejectTx = RejectMessage(
        message: "tx", code: .insufficientFee, reason: "fee too low", hash: hash(0..<32))
    static let rejectVersion = RejectMessage(message: "version", code: .obsolete, reason: "obsolete version 0")
    static let rejectUnknownCode = RejectMessage(
        message: "block", code: RejectCode(rawValue: 0x99), reason: "", hash: hash(32..<64))
    /// Chain work 0x123456789, big-endian.
    static let work = ChainWork(bigEndianBytes: [UInt8](repeating: 0, count: 24) + bytes("0000000123456789"))!
    static let status = StatusMessage(
        height: 1000, tipHash: hash(0..<32), chainWork: work, bestHeaderHeight: 1002,
        mempoolTransactionCount: 3, mempoolBytes: 498, mining: true, hashRate: 15_500_000, syncing: false, uptime: 3600,
        peers: [
            .init(
                address: NetworkAddress(ipv4: [1, 2, 3, 4], port: 8733), inbound: false, userAgent: "/tallyd:0.1.0/",
                startHeight: 999, banScore: 0),
            .init(
                address: NetworkAddress(ipv6: bytes("00000000000000000000000000000001"), port: 18733), inbound: true,
                userAgent: "/tally-probe:0.1.0/", startHeight: 0, banScore: 20),
        ])
    static let statusNoPeers = StatusMessage(
        height: 0, tipHash: .zero, chainWork: .zero, bestHeaderHeight: 0, mempoolTransactionCount: 0, mempoolBytes: 0,
        mining: false, hashRate: 0, syncing: true, uptime: 0, peers: [])
}

/// One message with its command and expected bytes.
struct MessageCase: Sendable, CustomTestStringConvertible {
    let name: String
    let message: Message
    let command: String
    let envelope: String
    let payload: String

    var frame: [UInt8] { bytes(envelope + payload) }
    var testDescription: String { name }

    static let all: [MessageCase] = [
        .init(
            name: "version", message: .version(MessageFixtures.version), command: "version",
            envelope: MessageVectors.versionEnvelope, payload: MessageVectors.versionPayload),
        .init(
            name: "version (higher protocol version)", message: .version(MessageFixtures.versionHigher),
            command: "version",
            envelope: MessageVectors.versionHigherEnvelope, payload: MessageVectors.versionHigherPayload),
        .init(
            name: "version (256-byte user agent)", message: .version(MessageFixtures.versionMax), command: "version",
            envelope: MessageVectors.versionMaxEnvelope, payload: MessageVectors.versionMaxPayload),
        .init(
            name: "verack", message: .verack, command: "verack",
            envelope: MessageVectors.verackEnvelope, payload: MessageVectors.verackPayload),
        .init(
            name: "ping", message: .ping(PingMessage(nonce: 0x1122_3344_5566_7788)), command: "ping",
            envelope: MessageVectors.pingEnvelope, payload: MessageVectors.pingPayload),
        .init(
            name: "pong", message: .pong(PongMessage(nonce: 0x8877_6655_4433_2211)), command: "pong",
            envelope: MessageVectors.pongEnvelope, payload: MessageVectors.pongPayload),
        .init(
            name: "inv", message: .inv(MessageFixtures.inv), command: "inv",
            envelope: MessageVectors.invEnvelope, payload: MessageVectors.invPayload),
        .init(
            name: "getdata", message: .getData(MessageFixtures.getData), command: "getdata",
            envelope: MessageVectors.getdataEnvelope, payload: MessageVectors.getdataPayload),
        .init(
            name: "notfound", message: .notFound(MessageFixtures.notFound), command: "notfound",
            envelope: MessageVectors.notfoundEnvelope, payload: MessageVectors.notfoundPayload),
        .init(
            name: "getblocks", message: .getBlocks(MessageFixtures.getBlocks), command: "getblocks",
            envelope: MessageVectors.getblocksEnvelope, payload: MessageVectors.getblocksPayload),
        .init(
            name: "getheaders", message: .getHeaders(MessageFixtures.getHeaders), command: "getheaders",
            envelope: MessageVectors.getheadersEnvelope, payload: MessageVectors.getheadersPayload),
        .init(
            name: "headers", message: .headers(MessageFixtures.headers), command: "headers",
            envelope: MessageVectors.headersEnvelope, payload: MessageVectors.headersPayload),
        .init(
            name: "block", message: .block(MessageFixtures.block), command: "block",
            envelope: MessageVectors.blockEnvelope, payload: MessageVectors.blockPayload),
        .init(
            name: "tx", message: .tx(Fixtures.transaction), command: "tx",
            envelope: MessageVectors.txEnvelope, payload: MessageVectors.txPayload),
        .init(
            name: "getaddr", message: .getAddr, command: "getaddr",
            envelope: MessageVectors.getaddrEnvelope, payload: MessageVectors.getaddrPayload),
        .init(
            name: "addr", message: .addr(MessageFixtures.addr), command: "addr",
            envelope: MessageVectors.addrEnvelope, payload: MessageVectors.addrPayload),
        .init(
            name: "mempool", message: .mempool, command: "mempool",
            envelope: MessageVectors.mempoolEnvelope, payload: MessageVectors.mempoolPayload),
        .init(
            name: "reject (tx, with hash)", message: .reject(MessageFixtures.rejectTx), command: "reject",
            envelope: MessageVectors.rejectTxEnvelope, payload: MessageVectors.rejectTxPayload),
        .init(
            name: "reject (version, no hash)", message: .reject(MessageFixtures.rejectVersion), command: "reject",
            envelope: MessageVectors.rejectVersionEnvelope, payload: MessageVectors.rejectVersionPayload),
        .init(
            name: "reject (unknown code)", message: .reject(MessageFixtures.rejectUnknownCode), command: "reject",
            envelope: MessageVectors.rejectUnknownCodeEnvelope, payload: MessageVectors.rejectUnknownCodePayload),
        .init(
            name: "getstatus", message: .getStatus, command: "getstatus",
            envelope: MessageVectors.getstatusEnvelope, payload: MessageVectors.getstatusPayload),
        .init(
            name: "status", message: .status(MessageFixtures.status), command: "status",
            envelope: MessageVectors.statusEnvelope, payload: MessageVectors.statusPayload),
        .init(
            name: "status (no peers)", message: .status(MessageFixtures.statusNoPeers), command: "status",
            envelope: MessageVectors.statusNoPeersEnvelope, payload: MessageVectors.statusNoPeersPayload),
        .init(
            name: "sendcmpct", message: .sendCompact(CompactBlockVectors.sendCompact), command: "sendcmpct",
            envelope: CompactBlockVectors.sendCompactEnvelope, payload: CompactBlockVectors.sendCompactPayload),
        .init(
            name: "cmpctblock", message: .compactBlock(CompactBlockVectors.compactBlock), command: "cmpctblock",
            envelope: CompactBlockVectors.compactBlockEnvelope, payload: CompactBlockVectors.compactBlockPayload),
        .init(
            name: "getblocktxn", message: .getBlockTransactions(CompactBlockVectors.getBlockTransactions),
            command: "getblocktxn", envelope: CompactBlockVectors.getBlockTransactionsEnvelope,
            payload: CompactBlockVectors.getBlockTransactionsPayload),
        .init(
            name: "blocktxn", message: .blockTransactions(CompactBlockVectors.blockTransactions), command: "blocktxn",
            envelope: CompactBlockVectors.blockTransactionsEnvelope,
            payload: CompactBlockVectors.blockTransactionsPayload),
    ]
}

@Suite struct MessageEncodingTests {
    let codec = MessageCodec(network: .main)

    @Test(arguments: MessageCase.all)
    func payloadIsByteExact(_ c: MessageCase) {
        #expect(c.message.command == c.command)
        #expect(c.message.payload == bytes(c.payload))
    }

    @Test(arguments: MessageCase.all)
    func frameIsByteExact(_ c: MessageCase) {
        #expect(codec.encode(c.message) == c.frame)
    }

    @Test(arguments: MessageCase.all)
    func payloadDecodesToTheMessage(_ c: MessageCase) throws {
        #expect(try MessageCodec.decodePayload(command: c.command, payload: bytes(c.payload)) == c.message)
    }

    @Test(arguments: MessageCase.all)
    func frameDecodesToTheMessage(_ c: MessageCase) throws {
        let decoded = try #require(try codec.decodeFrame(c.frame))
        #expect(decoded.message == c.message)
        #expect(decoded.byteCount == c.frame.count)
        // And the envelope alone decodes to what the encoder wrote.
        let header = try MessageHeader(decoding: Array(c.frame[0..<24]), network: .main)
        #expect(header.command == c.command)
        #expect(header.payloadLength == bytes(c.payload).count)
        #expect(header.encoded == bytes(c.envelope))
        #expect(header == MessageHeader(network: .main, command: c.command, payload: bytes(c.payload)))
    }

    @Test(arguments: MessageCase.all)
    func everyLimitHoldsTheMessage(_ c: MessageCase) {
        #expect(bytes(c.payload).count <= MessageCodec.maximumPayloadSize(forCommand: c.command))
    }

    @Test func envelopeFieldOffsets() throws {
        // Protocol.md §13.1, on the ping frame: magic, NUL-padded command, length, checksum.
        let frame = bytes(MessageVectors.pingEnvelope + MessageVectors.pingPayload)
        #expect(Array(frame[0..<4]) == Network.main.magic)
        #expect(Array(frame[4..<16]) == Array("ping".utf8) + [UInt8](repeating: 0, count: 8))
        #expect(Array(frame[16..<20]) == [8, 0, 0, 0])
        #expect(Array(frame[20..<24]) == bytes("8d9a66f2"))
        #expect(Array(frame[24...]) == bytes("8877665544332211"))
        // Empty payload: checksum 5d f6 e0 e2 (first bytes of SHA256d of nothing).
        #expect(MessageHeader.checksum(of: []) == 0xe2e0_f65d)
        #expect(Array(bytes(MessageVectors.verackEnvelope)[20..<24]) == bytes("5df6e0e2"))
    }

    @Test func regtestFrameUsesRegtestMagic() throws {
        let regtest = MessageCodec(network: .regtest)
        #expect(regtest.encode(.verack) == bytes(MessageVectors.verackFrameRegtest))
        let decoded = try #require(try regtest.decodeFrame(bytes(MessageVectors.verackFrameRegtest)))
        #expect(decoded.message == .verack)
    }

    @Test func versionFieldsAndBigEndianPorts() throws {
        let payload = bytes(MessageVectors.versionPayload)
        // receiver address at 28..<44, its port at 44..<46, big-endian 8733 = 0x221d.
        #expect(Array(payload[28..<44]) == bytes("00000000000000000000ffff01020304"))
        #expect(Array(payload[44..<46]) == [0x22, 0x1d])
        // sender address at 54..<70, its port 18733 = 0x492d at 70..<72.
        #expect(Array(payload[54..<70]) == bytes("20010db8000000000000000000000001"))
        #expect(Array(payload[70..<72]) == [0x49, 0x2d])
        let decoded = try VersionMessage(decoding: payload)
        #expect(decoded == MessageFixtures.version)
        #expect(decoded.receiverAddress.description == "1.2.3.4:8733")
        #expect(decoded.senderAddress.description == "[2001:db8::1]:18733")
        #expect(decoded.userAgent == "/tallyd:0.1.0/")
        #expect(decoded.services.contains(.network))
        #expect(decoded.relay)
        #expect(MessageFixtures.versionMax.encoded.count == 344)
    }

    @Test func higherProtocolVersionDecodesAndTheLowerIsSpoken() throws {
        guard
            case .version(let version) = try MessageCodec.decodePayload(
                command: "version", payload: bytes(MessageVectors.versionHigherPayload))
        else {
            Issue.record("not a version")
            return
        }
        #expect(version.protocolVersion == 70015)
        #expect(version.services.rawValue == 0x409)
        #expect(version.services.contains(.network))
        #expect(version.startHeight == -1)
        #expect(!version.relay)
        #expect(ProtocolVersion.negotiate(peer: version.protocolVersion) == ProtocolVersion.current)
    }

    @Test func unknownInventoryTypeIsKept() throws {
        guard
            case .inv(let inv) = try MessageCodec.decodePayload(
                command: "inv", payload: bytes(MessageVectors.invPayload))
        else {
            Issue.record("not an inv")
            return
        }
        #expect(inv.inventory.map(\.type) == [.transaction, .block, InventoryType(rawValue: 7)])
        #expect(inv.inventory.map(\.type.isKnown) == [true, true, false])
        #expect(inv.inventory[2].hash == MessageFixtures.hash(64..<96))
        #expect(inv.encoded == bytes(MessageVectors.invPayload))
    }

    @Test func blockAndTxUseTheExistingCodecs() throws {
        #expect(bytes(MessageVectors.txPayload) == bytes(Fixtures.transactionHex))
        #expect(bytes(MessageVectors.blockPayload) == bytes(Fixtures.headerHex) + [1] + bytes(Fixtures.coinbaseHex))
        // The tx frame's checksum is the first 4 bytes of its wtxid (both SHA256d of the same bytes).
        #expect(Array(bytes(MessageVectors.txEnvelope)[20..<24]) == Array(bytes(Fixtures.wtxidWire)[0..<4]))
    }

    @Test func unknownCommandDecodesToUnknown() throws {
        let frame = bytes(MessageVectors.unknownFrame)
        let decoded = try #require(try codec.decodeFrame(frame))
        #expect(decoded.message == .unknown(command: "feefilter", payload: bytes("e803000000000000")))
        #expect(decoded.byteCount == frame.count)
        #expect(codec.encode(decoded.message) == frame)
        #expect(
            try MessageCodec.decodePayload(command: "feefilter", payload: [])
                == .unknown(command: "feefilter", payload: []))
        // An all-NUL command is well formed: the empty command, unknown.
        let empty = Network.main.magic + [UInt8](repeating: 0, count: 12) + bytes("00000000") + bytes("5df6e0e2")
        #expect(try codec.decodeFrame(empty)?.message == .unknown(command: "", payload: []))
    }
}
