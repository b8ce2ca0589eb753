import TallyCrypto
import TallyTestSupport
import TallyWire
import Testing

@testable import TallyWallet

/// SLIP-0010 "Test vector 1 for ed25519" and "Test vector 2 for ed25519"
/// (https://github.com/satoshilabs/slips/blob/master/slip-0010.md), every chain. SLIP-0010 prints the
/// Ed25519 public key with a 00 prefix; the 32 bytes after it are the key.
struct SLIP10Vector: Sendable, CustomTestStringConvertible {
    let seed: String
    let path: [UInt32]
    let chainCode: String
    let privateKey: String
    let publicKey: String
    var testDescription: String { "seed \(seed.prefix(8))… \(DerivationPath(indices: path))" }

    static let seed1 = "000102030405060708090a0b0c0d0e0f"
    static let seed2 =
        "fffcf9f6f3f0edeae7e4e1dedbd8d5d2cfccc9c6c3c0bdbab7b4b1aeaba8a5a2"
        + "9f9c999693908d8a8784817e7b7875726f6c696663605d5a5754514e4b484542"

    static let all: [SLIP10Vector] = [
        SLIP10Vector(
            seed: seed1, path: [],
            chainCode: "90046a93de5380a72b5e45010748567d5ea02bbf6522f979e05c0d8d8ca9fffb",
            privateKey: "2b4be7f19ee27bbf30c667b642d5f4aa69fd169872f8fc3059c08ebae2eb19e7",
            publicKey: "00a4b2856bfec510abab89753fac1ac0e1112364e7d250545963f135f2a33188ed"),
        SLIP10Vector(
            seed: seed1, path: [0],
            chainCode: "8b59aa11380b624e81507a27fedda59fea6d0b779a778918a2fd3590e16e9c69",
            privateKey: "68e0fe46dfb67e368c75379acec591dad19df3cde26e63b93a8e704f1dade7a3",
            publicKey: "008c8a13df77a28f3445213a0f432fde644acaa215fc72dcdf300d5efaa85d350c"),
        SLIP10Vector(
            seed: seed1, path: [0, 1],
            chainCode: "a320425f77d1b5c2505a6b1b27382b37368ee640e3557c315416801243552f14",
            privateKey: "b1d0bad404bf35da785a64ca1ac54b2617211d2777696fbffaf208f746ae84f2",
            publicKey: "001932a5270f335bed617d5b935c80aedb1a35bd9fc1e31acafd5372c30f5c1187"),
        SLIP10Vector(
            seed: seed1, path: [0, 1, 2],
            chainCode: "2e69929e00b5ab250f49c3fb1c12f252de4fed2c1db88387094a0f8c4c9ccd6c",
            privateKey: "92a5b23c0b8a99e37d07df3fb9966917f5d06e02ddbd909c7e184371463e9fc9",
            publicKey: "00ae98736566d30ed0e9d2f4486a64bc95740d89c7db33f52121f8ea8f76ff0fc1"),
        SLIP10Vector(
            seed: seed1, path: [0, 1, 2, 2],
            chainCode: "8f6d87f93d750e0efccda017d662a1b31a266e4a6f5993b15f5c1f07f74dd5cc",
            privateKey: "30d1dc7e5fc04c31219ab25a27ae00b50f6fd66622f6e9c913253d6511d1e662",
            publicKey: "008abae2d66361c879b900d204ad2cc4984fa2aa344dd7ddc46007329ac76c429c"),
        SLIP10Vector(
            seed: seed1, path: [0, 1, 2, 2, 1_000_000_000],
            chainCode: "68789923a0cac2cd5a29172a475fe9e0fb14cd6adb5ad98a3fa70333e7afa230",
            privateKey: "8f94d394a8e8fd6b1bc2f3f49f5c47e385281d5c17e65324b0f62483e37e8793",
            publicKey: "003c24da049451555d51a7014a37337aa4e12d41e485abccfa46b47dfb2af54b7a"),
        SLIP10Vector(
            seed: seed2, path: [],
            chainCode: "ef70a74db9c3a5af931b5fe73ed8e1a53464133654fd55e7a66f8570b8e33c3b",
            privateKey: "171cb88b1b3c1db25add599712e36245d75bc65a1a5c9e18d76f9f2b1eab4012",
            publicKey: "008fe9693f8fa62a4305a140b9764c5ee01e455963744fe18204b4fb948249308a"),
        SLIP10Vector(
            seed: seed2, path: [0],
            chainCode: "0b78a3226f915c082bf118f83618a618ab6dec793752624cbeb622acb562862d",
            privateKey: "1559eb2bbec5790b0c65d8693e4d0875b1747f4970ae8b650486ed7470845635",
            publicKey: "0086fab68dcb57aa196c77c5f264f215a112c22a912c10d123b0d03c3c28ef1037"),
        SLIP10Vector(
            seed: seed2, path: [0, 2_147_483_647],
            chainCode: "138f0b2551bcafeca6ff2aa88ba8ed0ed8de070841f0c4ef0165df8181eaad7f",
            privateKey: "ea4f5bfe8694d8bb74b7b59404632fd5968b774ed545e810de9c32a4fb4192f4",
            publicKey: "005ba3b9ac6e90e83effcd25ac4e58a1365a9e35a3d3ae5eb07b9e4d90bcf7506d"),
        SLIP10Vector(
            seed: seed2, path: [0, 2_147_483_647, 1],
            chainCode: "73bd9fff1cfbde33a1b846c27085f711c0fe2d66fd32e139d3ebc28e5a4a6b90",
            privateKey: "3757c7577170179c7868353ada796c839135b3d30554bbb74a4b1e4a5a58505c",
            publicKey: "002e66aa57069c86cc18249aecf5cb5a9cebbfd6fadeab056254763874a9352b45"),
        SLIP10Vector(
            seed: seed2, path: [0, 2_147_483_647, 1, 2_147_483_646],
            chainCode: "0902fe8a29f9140480a00ef244bd183e8a13288e4412d8389d140aac1794825a",
            privateKey: "5837736c89570de861ebc173b1086da4f505d4adb387c6a1b1342d5e4ac9ec72",
            publicKey: "00e33c0f7d81d843c572275f287498e8d408654fdf0d1e065b84e2e6f157aab09b"),
        SLIP10Vector(
            seed: seed2, path: [0, 2_147_483_647, 1, 2_147_483_646, 2],
            chainCode: "5d70af781f3a37b829f0d060924d5e960bdc02e85423494afc0b1a41bbe196d4",
            privateKey: "551d333177df541ad876a60ea71f00447931c0a9da16f227c11ea080d7391b8d",
            publicKey: "0047150c75db263559a70d5778bf36abbab30fb061ad69f69ece61a72b0cfa4fc0"),
    ]
}

@Suite struct SLIP10Tests {
    @Test("SLIP-0010 ed25519 test vectors", arguments: SLIP10Vector.all)
    func vector(vector: SLIP10Vector) throws {
        let key = try HDKey(seed: bytes(vector.seed)).derive(DerivationPath(indices: vector.path))
        #expect(key.chainCode == bytes(vector.chainCode))
        #expect(key.privateKey == bytes(vector.privateKey))
        let printed = bytes(vector.publicKey)
        #expect(printed.first == 0x00)
        #expect(key.publicKey == Array(printed.dropFirst()))
        #expect(key.path.indices == vector.path)
    }

    @Test func stepByStepEqualsWholePath() throws {
        let master = try HDKey(seed: bytes(SLIP10Vector.seed2))
        let stepped = try master.child(0).child(2_147_483_647).child(1)
        #expect(stepped == (try master.derive(DerivationPath(indices: [0, 2_147_483_647, 1]))))
        #expect(
            try stepped.derive(DerivationPath(indices: [2_147_483_646]))
                == master.derive(DerivationPath(indices: [0, 2_147_483_647, 1, 2_147_483_646])))
    }

    @Test("Seeds outside 16…64 bytes are rejected", arguments: [0, 15, 65, 128])
    func seedLength(count: Int) {
        #expect(throws: HDKeyError.seedLength(count)) { try HDKey(seed: [UInt8](repeating: 1, count: count)) }
    }

    @Test func indexWithTheHardenedBitIsRejected() throws {
        let master = try HDKey(seed: bytes(SLIP10Vector.seed1))
        #expect(throws: HDKeyError.indexOutOfRange(0x8000_0000)) { try master.child(0x8000_0000) }
        #expect(throws: HDKeyError.indexOutOfRange(.max)) { try master.derive(DerivationPath(indices: [0, .max])) }
    }

    @Test func keySignsAndItsAddressIsTheHashOfItsPublicKey() throws {
        let key = try HDKey(seed: bytes(SLIP10Vector.seed1)).child(0)
        let message = Array("tally".utf8)
        #expect(Ed25519.verify(signature: key.signingKey.sign(message), message: message, publicKey: key.publicKey))
        #expect(key.addressHash == AddressHash(publicKey: key.publicKey))
        #expect(key.address(on: .regtest) == Address(network: .regtest, hash: key.addressHash))
        #expect(key.description == "HDKey(m/0')")
    }
}

@Suite struct DerivationPathTests {
    @Test(
        "Valid paths",
        arguments: [
            ("m", [UInt32]()),
            ("m/0'", [0]),
            ("m/44'/5353'/0'/0'/0'", [44, 5353, 0, 0, 0]),
            ("m/44h/1H/7'/1'/2147483647'", [44, 1, 7, 1, 2_147_483_647]),
        ])
    func parses(text: String, indices: [UInt32]) throws {
        #expect(try DerivationPath(parsing: text).indices == indices)
    }

    @Test func descriptionUsesApostrophes() throws {
        #expect(try DerivationPath(parsing: "m/44h/5353H/0'/1'/9'").description == "m/44'/5353'/0'/1'/9'")
        #expect(DerivationPath.master.description == "m")
    }

    @Test(
        "Invalid paths give precise errors",
        arguments: [
            ("", DerivationPath.ParseError.empty),
            ("44'/0'", .missingMasterPrefix("44'/0'")),
            ("M/0'", .missingMasterPrefix("M/0'")),
            ("/0'", .missingMasterPrefix("/0'")),
            ("m/", .emptyStep(position: 1)),
            ("m//0'", .emptyStep(position: 1)),
            ("m/0'/", .emptyStep(position: 2)),
            ("m/0", .notHardened("0", position: 1)),
            ("m/44'/5353'/0'/0'/0", .notHardened("0", position: 5)),
            ("m/44'/5353/0'", .notHardened("5353", position: 2)),
            ("m/01'", .invalidStep("01'", position: 1)),
            ("m/-1'", .invalidStep("-1'", position: 1)),
            ("m/+1'", .invalidStep("+1'", position: 1)),
            ("m/'", .invalidStep("'", position: 1)),
            ("m/abc'", .invalidStep("abc'", position: 1)),
            ("m/1''", .invalidStep("1''", position: 1)),
            ("m/ 1'", .invalidStep(" 1'", position: 1)),
            ("m/١'", .invalidStep("١'", position: 1)),  // Arabic-Indic digit one
            ("m/2147483648'", .indexTooLarge("2147483648'", position: 1)),
            ("m/99999999999999999999'", .indexTooLarge("99999999999999999999'", position: 1)),
        ])
    func rejects(text: String, error: DerivationPath.ParseError) {
        #expect(throws: error) { try DerivationPath(parsing: text) }
    }

    @Test func notHardenedMessageExplains() {
        let error = DerivationPath.ParseError.notHardened("0", position: 5)
        #expect(
            error.description
                == "step 5 ('0') is not hardened; Ed25519 (SLIP-0010) derives hardened children only: write 0'")
    }

    @Test func tallyLayout() {
        #expect(
            DerivationPath.tally(network: .main, account: 0, change: false, index: 0).description
                == "m/44'/5353'/0'/0'/0'")
        #expect(
            DerivationPath.tally(network: .main, account: 2, change: true, index: 17).description
                == "m/44'/5353'/2'/1'/17'")
        #expect(
            DerivationPath.tally(network: .regtest, account: 0, change: false, index: 3).description
                == "m/44'/1'/0'/0'/3'")
    }
}

/// Tally's path (Protocol.md §14) end to end, for the mnemonic "abandon × 11 about" with no BIP-39
/// passphrase. Expected values from a throwaway Python script written from the specifications:
/// hashlib.pbkdf2_hmac → hmac (SLIP-0010) → cryptography's Ed25519 public key → hashlib.blake2b
/// (digest_size=20) → the BIP-350 reference Bech32m encoder.
@Suite struct TallyPathTests {
    static let phrase = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"

    @Test(
        "Addresses of the Tally path",
        arguments: [
            (
                Network.main, UInt32(0), false, UInt32(0),
                "ffd94b270ed9264eb755a9660db5b7d4723b6d3a58eaa82ce24f4756d58fe26d",
                "aa19d73b835e959273560b8734faf03333b98ae5ef9a620787822a4c9320680e",
                "tly1qslx09qs2catmf82whmuk7udfajxahwczkyv35z"
            ),
            (
                .main, 0, false, 1,
                "268c3e80234894e2a5e98201f55b2bb2baec230fe0c12bb948087326853a0b5f",
                "f925e452adc7fea6540191195cb96a5fd215d5d9e5aa559ce003bd7d457c3a70",
                "tly1qeg54vqagf7ay3s3a5xcyenezng0uqgqmdm0qmu"
            ),
            (
                .main, 0, true, 0,
                "ec6a68a6f3a435c198021c81c2798c0f0495f6ea78eea4da1ecf17a77c5df150",
                "7e00c477faaf06d5770dd50562ef9c472a57f9160154c328ef3f4b726f05b400",
                "tly1qkas6fsgdscaed026kqvw2pmj2lygnsrfee42ly"
            ),
            (
                .main, 1, false, 0,
                "2fc05d5ef832d6201d676ef36e6384f0fcf5fe2abcbd268379938e12fefa8d51",
                "86dd018a7ed823c6b121d8985f84811373945f086c1c8b5b8718587be7380408",
                "tly1qlt74vw7s3em3uzm95vwv06eys3ymckunzfx4ew"
            ),
            (
                .regtest, 0, false, 0,
                "74f60521daeaeeedfa4a9d2a38b56760500fb3e3f058389dcd7b4b00696f88cd",
                "437541f4d29af2d2f1c2aa568ab16842b06b1820fc654494468d45cbdf5e1b56",
                "tlyrt1qzsu4h2e7nkz2s4nmw5zz0jct7creflu2qn7nsw"
            ),
        ])
    func address(
        network: Network, account: UInt32, change: Bool, index: UInt32,
        privateKey: String, publicKey: String, address: String
    ) throws {
        let secret = WalletSecret(mnemonic: try Mnemonic(phrase: Self.phrase))
        let key = try secret.key(network: network, account: account, change: change, index: index)
        #expect(key.privateKey == bytes(privateKey))
        #expect(key.publicKey == bytes(publicKey))
        #expect(key.address(on: network).description == address)
        #expect(key.path == DerivationPath.tally(network: network, account: account, change: change, index: index))
    }

    @Test func bip39PassphraseGivesAnotherWallet() throws {
        let secret = WalletSecret(mnemonic: try Mnemonic(phrase: Self.phrase), mnemonicPassphrase: "TREZOR")
        #expect(
            try secret.key(network: .main, index: 0).address(on: .main).description
                == "tly1q8nyqr7xk99n48g64su2x3ut2uhjfjd0e428l35")
    }
}
