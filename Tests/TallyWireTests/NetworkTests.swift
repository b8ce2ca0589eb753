import TallyCrypto
import TallyTestSupport
import Testing

@testable import TallyWire

/// The target a compact "bits" value encodes (Protocol.md §2), as 32 big-endian bytes. Written out by
/// hand here rather than taken from any node code: target = mantissa × 256^(exponent − 3).
func targetBigEndian(bits: UInt32) -> [UInt8] {
    let exponent = Int(bits >> 24)
    let mantissa = [UInt8((bits >> 16) & 0x7F), UInt8((bits >> 8) & 0xFF), UInt8(bits & 0xFF)]
    precondition(bits & 0x0080_0000 == 0 && (3...32).contains(exponent), "test helper handles only these bits")
    var target = [UInt8](repeating: 0, count: 32)
    for (k, byte) in mantissa.enumerated() { target[32 - exponent + k] = byte }
    return target
}

/// hash ≤ target, both read as 256-bit numbers (the hash's wire bytes reversed are most significant first).
func meets(_ hash: Hash256, bits: UInt32) -> Bool {
    let number = Array(hash.bytes.reversed())
    let target = targetBigEndian(bits: bits)
    return !target.lexicographicallyPrecedes(number)
}

@Suite struct GenesisTests {
    /// From Protocol.md §9, and recomputed in Python from the genesis layout.
    static let mainHash = "00000038b2afb4af9089be07f509e48125935c4095f3d6fb4be0315c12ee0740"
    static let regtestHash = "73794fb1a888aa8a90c20db3c41941e909350d5f9f3df646fda0450e0610cfd2"
    /// Python: sha256d of the genesis coinbase, wire order.
    static let coinbaseWtxidWire = "5e2c61aae3cc4cef5f5a9f443f77a0bb08cb5a8387c1e0bf813ade0faf1d3108"

    @Test func targetHelper() {
        // Python: m << 8 * (e - 3)
        #expect(
            Hex.encode(targetBigEndian(bits: 0x1e00_ffff))
                == "000000ffff000000000000000000000000000000000000000000000000000000")
        #expect(
            Hex.encode(targetBigEndian(bits: 0x207f_ffff))
                == "7fffff0000000000000000000000000000000000000000000000000000000000")
        #expect(
            Hex.encode(targetBigEndian(bits: 0x1d00_ffff))
                == "00000000ffff0000000000000000000000000000000000000000000000000000")
    }

    @Test func genesisHashes() {
        #expect(ChainParameters.main.genesisHash.description == GenesisTests.mainHash)
        #expect(ChainParameters.regtest.genesisHash.description == GenesisTests.regtestHash)
        #expect(ChainParameters.main.genesisHash != ChainParameters.regtest.genesisHash)
        #expect(ChainParameters.main.genesis.hash == ChainParameters.main.genesis.header.hash)
    }

    @Test("Genesis meets its own bits target", arguments: [Network.main, .regtest])
    func genesisMeetsTarget(network: Network) {
        let genesis = network.parameters.genesis
        #expect(meets(genesis.hash, bits: genesis.header.bits))
        // And the target is no easier than the network's proof-of-work limit.
        #expect(
            !targetBigEndian(bits: network.parameters.powLimitBits)
                .lexicographicallyPrecedes(targetBigEndian(bits: genesis.header.bits)))
    }

    @Test func mainGenesisIsRealWork() {
        // The main genesis hash is below 2^232 (target 0x1e00ffff); the same header with another nonce
        // is almost surely not, so the check above is not vacuous.
        var header = ChainParameters.main.genesis.header
        #expect(header.bits == 0x1e00_ffff)
        #expect(header.nonce == 4_116_329)
        header.nonce += 1
        #expect(!meets(header.hash, bits: 0x1e00_ffff))
        // The regtest genesis does not meet main's target.
        #expect(!meets(ChainParameters.regtest.genesisHash, bits: 0x1e00_ffff))
    }

    @Test("Genesis merkle root is the coinbase wtxid", arguments: [Network.main, .regtest])
    func genesisMerkleRoot(network: Network) throws {
        let genesis = network.parameters.genesis
        #expect(genesis.transactions.count == 1)
        let coinbase = try #require(genesis.transactions.first)
        #expect(coinbase.wtxid.bytes == bytes(GenesisTests.coinbaseWtxidWire))
        #expect(genesis.header.merkleRoot == coinbase.wtxid)
        #expect(genesis.header.merkleRoot.bytes == bytes(GenesisTests.coinbaseWtxidWire))
        #expect(genesis.computedMerkleRoot == genesis.header.merkleRoot)
    }

    @Test("Genesis contents match Protocol.md §9", arguments: [Network.main, .regtest])
    func genesisContents(network: Network) throws {
        let genesis = network.parameters.genesis
        #expect(genesis.header.version == 1)
        #expect(genesis.header.previousBlockHash == .zero)
        #expect(genesis.header.time == 1_795_392_000)
        let coinbase = try #require(genesis.transactions.first)
        #expect(coinbase.isCoinbase)
        let data = try #require(coinbase.coinbaseData)
        #expect(data.height == 0)
        #expect(data.extraNonce == 0)
        #expect(data.tag == Array("Tally genesis 2026".utf8) + [0, 0])
        #expect(coinbase.outputs.count == 1)
        #expect(coinbase.outputs[0].amount == 5_000_000_000)
        #expect(coinbase.outputs[0].address.bytes == [UInt8](repeating: 0, count: 20))
        // It survives an encode/decode round trip.
        #expect(try Block(decoding: genesis.encoded) == genesis)
    }

    @Test func bitsAndLimits() {
        #expect(ChainParameters.main.genesis.header.bits == 0x1e00_ffff)
        #expect(ChainParameters.regtest.genesis.header.bits == 0x207f_ffff)
        #expect(ChainParameters.regtest.genesis.header.nonce == 0)
        #expect(ChainParameters.main.powLimitBits == 0x1f00_ffff)
        #expect(ChainParameters.regtest.powLimitBits == 0x207f_ffff)
        #expect(ChainParameters.main.halvingInterval == 210_000)
        #expect(ChainParameters.regtest.halvingInterval == 150)
        #expect(ChainParameters.main.difficulty == .asert(spacing: 10, halfLife: 100, intervalCap: 60))
        #expect(ChainParameters.regtest.difficulty == .fixed)
        #expect(ChainParameters.main.coinbaseMaturity == 100)
        #expect(ChainParameters.regtest.coinbaseMaturity == 100)
        #expect(ChainParameters.coin == 100_000_000)
        #expect(ChainParameters.initialSubsidy == 5_000_000_000)
        #expect(ChainParameters.maximumMoney == 2_100_000_000_000_000)
    }
}

@Suite struct NetworkTests {
    @Test func magicBytes() {
        #expect(Network.main.magic == [0xD9, 0xA1, 0x7E, 0x54])
        #expect(Network.regtest.magic == [0xFA, 0x1B, 0xC0, 0x5E])
        #expect(Network.main.magic != Network.regtest.magic)
    }

    @Test func ports() {
        #expect(Network.main.defaultPort == 8733)
        #expect(Network.regtest.defaultPort == 18733)
        #expect(Network.main.defaultDiscoveryPort == 8734)
        #expect(Network.regtest.defaultDiscoveryPort == 18734)
    }

    @Test func prefixes() {
        #expect(Network.main.addressPrefix == "tly")
        #expect(Network.regtest.addressPrefix == "tlyrt")
    }

    @Test func parametersBelongToTheirNetwork() {
        #expect(Network.allCases == [.main, .regtest])
        for network in Network.allCases {
            #expect(network.parameters.network == network)
        }
        #expect(Network(rawValue: "main") == .main)
        #expect(Network(rawValue: "regtest") == .regtest)
        #expect(Network(rawValue: "testnet") == nil)
    }
}
