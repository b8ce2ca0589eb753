import Foundation
import TallyCrypto
import TallyTestSupport
import TallyWire
import Testing

@testable import TallyWallet

/// A version-1 wallet file written by a throwaway Python script from Protocol.md §14 alone (argon2-cffi
/// for Argon2id, HChaCha20 + `cryptography`'s ChaCha20Poly1305 for XChaCha20-Poly1305, checked against
/// draft-irtf-cfrg-xchacha A.3.1; `json.dumps(sort_keys=True, separators=(",", ":"))` for the state).
/// Regtest; Argon2id 1 pass over 8 KiB; salt a0…af; nonce b0…c7; passphrase "correct horse battery
/// staple"; secret: entropy 7f × 16 with BIP-39 passphrase "TREZOR".
enum PythonWallet {
    static let hex =
        "54414c4c5957414c01fa1bc05e010000000020000000000000a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6"
        + "b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7558e8c70ac50bdd89925819608ee7f8328c2ce5d262419aa2d58547915046c"
        + "c135a087cec42bebdbf5379406cfe6b26181c2607bc8e8d2bd0cfdd5027b226163636f756e7473223a5b7b22696e6465"
        + "78223a302c226c6162656c223a2264656661756c74222c226e6578744368616e6765496e646578223a302c226e657874"
        + "52656365697665496e646578223a317d5d2c22616464726573736573223a5b7b226163636f756e74223a302c22616464"
        + "72657373223a22746c797274317172677165613267327838346d6b656d377277306a74766b706e7037726c6333747971"
        + "71747575222c226368616e6765223a66616c73652c22696e646578223a302c226c6162656c223a226669727374227d5d"
        + "2c22686973746f7279223a5b7b22686569676874223a372c226e6574416d6f756e74223a353030303030303030302c22"
        + "74786964223a226161616161616161313131313131313131313131313131313131313131313131313131313131313131"
        + "3131313131313131313131313131313131313131313131227d2c7b226e6574416d6f756e74223a2d313030302c227478"
        + "6964223a2230303030303030303030303030303030303030303030303030303030303030303030303030303030303030"
        + "303030303030303030303030303030303030306666227d5d2c227363616e6e6564486569676874223a3132302c227363"
        + "616e6e6564546970223a2230303030303030303030303030303030303030303030303030303030303030303030303030"
        + "303030303030303030303030303030303030303030633066666565222c227574786f73223a5b7b226164647265737322"
        + "3a22746c797274317172677165613267327838346d6b656d377277306a74766b706e7037726c63337479717174757522"
        + "2c22616d6f756e74223a353030303030303030302c22636f696e62617365223a747275652c22686569676874223a372c"
        + "226f7574706f696e74223a22616161616161616131313131313131313131313131313131313131313131313131313131"
        + "313131313131313131313131313131313131313131313131313131313a31227d5d7df11a84c7aae67c108a5d1a456144"
        + "b1fd30d1a70b91b5c5316a2522196522db08"
    static let passphrase = "correct horse battery staple"
    static let entropy = "7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f"
    /// m/44'/1'/0'/0'/0' of that secret on regtest (the same Python script).
    static let address = "tlyrt1qrgqea2g2x84mkem7rw0jtvkpnp7rlc3tyqqtuu"
    static let txid = "aaaaaaaa11111111111111111111111111111111111111111111111111111111"
    static let pendingTxid = "00000000000000000000000000000000000000000000000000000000000000ff"
    static let tip = "0000000000000000000000000000000000000000000000000000000000c0ffee"

    // Byte offsets in the file.
    static let networkOffset = 9, opsOffset = 13, memOffset = 17, saltOffset = 25, nonceOffset = 41, keyCheckOffset = 65
    static let sealedOffset = 82, sealedSize = 40
}

/// Replaces the last 32 bytes with the SHA-256 of the rest, as someone altering the file on purpose would.
func withChecksum(_ file: [UInt8]) -> [UInt8] {
    let body = Array(file.dropLast(32))
    return body + SHA256.hash(body).bytes
}

@Suite struct WalletFileTests {
    static let secret = WalletSecret(
        mnemonic: try! Mnemonic(phrase: BIP39Vector.all[2].mnemonic), mnemonicPassphrase: "hunter2")

    static func sampleState(_ network: Network) throws -> WalletState {
        let key = try secret.key(network: network, index: 0)
        let address = key.address(on: network)
        return WalletState(
            accounts: [.init(index: 0, label: "default", nextReceiveIndex: 1, nextChangeIndex: 0)],
            addresses: [.init(label: "savings", account: 0, change: false, index: 0, address: address)],
            utxos: [
                .init(
                    outpoint: OutPoint(txid: Hash256(hex: PythonWallet.txid)!, index: 3), amount: 1_234_567,
                    address: address, height: nil, coinbase: false)
            ],
            history: [.init(txid: Hash256(hex: PythonWallet.txid)!, height: nil, netAmount: 1_234_567)],
            scannedHeight: 99, scannedTip: Hash256(hex: PythonWallet.tip)!)
    }

    static func make(network: Network = .regtest, passphrase: String = "pass phrase") throws -> WalletFile {
        try WalletFile(
            sealing: secret, passphrase: passphrase, network: network, state: sampleState(network), cost: .minimum)
    }

    // MARK: The Python-written file

    @Test func readsAndUnlocksTheFileWrittenFromTheSpecification() throws {
        let file = try WalletFile(decoding: bytes(PythonWallet.hex))
        #expect(file.network == .regtest)
        #expect(file.cost == .minimum)
        #expect(file.salt == Array(0xa0...0xaf))
        #expect(file.nonce == Array(0xb0...0xc7))
        let secret = try file.unlock(passphrase: PythonWallet.passphrase)
        #expect(secret.mnemonic.entropy == bytes(PythonWallet.entropy))
        #expect(secret.mnemonic.phrase == BIP39Vector.all[1].mnemonic)
        #expect(secret.mnemonicPassphrase == "TREZOR")
        #expect(try secret.mnemonic.seed(passphrase: secret.mnemonicPassphrase) == bytes(BIP39Vector.all[1].seed))
        #expect(try secret.key(network: .regtest, index: 0).address(on: .regtest).description == PythonWallet.address)

        let state = file.state
        let address = try Address(parsing: PythonWallet.address, network: .regtest)
        #expect(state.accounts == [.init(index: 0, label: "default", nextReceiveIndex: 1, nextChangeIndex: 0)])
        #expect(state.addresses == [.init(label: "first", account: 0, change: false, index: 0, address: address)])
        #expect(
            state.utxos == [
                .init(
                    outpoint: OutPoint(txid: Hash256(hex: PythonWallet.txid)!, index: 1),
                    amount: 5_000_000_000, address: address, height: 7, coinbase: true)
            ])
        #expect(
            state.history == [
                .init(txid: Hash256(hex: PythonWallet.txid)!, height: 7, netAmount: 5_000_000_000),
                .init(txid: Hash256(hex: PythonWallet.pendingTxid)!, height: nil, netAmount: -1000),
            ])
        #expect(state.scannedHeight == 120)
        #expect(state.scannedTip == Hash256(hex: PythonWallet.tip))
    }

    /// Encoding is canonical: the decoded file re-encodes to the very bytes Python wrote.
    @Test func reencodesToTheSameBytes() throws {
        #expect(try WalletFile(decoding: bytes(PythonWallet.hex)).encoded() == bytes(PythonWallet.hex))
    }

    // MARK: Round trips

    @Test func roundTrip() throws {
        let file = try Self.make()
        let bytes = try file.encoded()
        let decoded = try WalletFile(decoding: bytes)
        #expect(decoded == file)
        #expect(decoded.state == (try Self.sampleState(.regtest)))
        #expect(try decoded.unlock(passphrase: "pass phrase") == Self.secret)
        #expect(Array(bytes.prefix(9)) == Array("TALLYWAL".utf8) + [1])
        #expect(Array(bytes[9..<13]) == Network.regtest.magic)
    }

    @Test func freshSaltAndNonceEveryTime() throws {
        let a = try Self.make()
        let b = try Self.make()
        #expect(a.salt != b.salt)
        #expect(a.nonce != b.nonce)
        #expect(a.salt.count == 16 && a.nonce.count == 24)
    }

    @Test func mainNetworkAndEmptyBIP39Passphrase() throws {
        let secret = WalletSecret(mnemonic: try Mnemonic.generate())
        let file = try WalletFile(
            sealing: secret, passphrase: "", network: .main, cost: .init(opsLimit: 2, memLimit: 64 << 10))
        let decoded = try WalletFile(decoding: file.encoded())
        #expect(decoded.network == .main)
        #expect(decoded.cost == .init(opsLimit: 2, memLimit: 64 << 10))
        #expect(decoded.state == WalletState())
        #expect(try decoded.unlock(passphrase: "") == secret)
        #expect(throws: WalletFileError.wrongPassphrase) { try decoded.unlock(passphrase: " ") }
    }

    @Test func stateCanBeReplacedWithoutThePassphrase() throws {
        var file = try WalletFile(decoding: Self.make().encoded())
        file.state.scannedHeight = 1000
        file.state.accounts[0].nextReceiveIndex = 5
        file.state.history.append(.init(txid: .zero, height: 1000, netAmount: -42))
        let reread = try WalletFile(decoding: file.encoded())
        #expect(reread.state.scannedHeight == 1000)
        #expect(reread.state.accounts[0].nextReceiveIndex == 5)
        #expect(reread.state.history.last == .init(txid: .zero, height: 1000, netAmount: -42))
        #expect(try reread.unlock(passphrase: "pass phrase") == Self.secret)
    }

    @Test func passphraseIsNFKDNormalised() throws {
        let file = try Self.make(passphrase: "caf\u{00E9}")
        #expect(try file.unlock(passphrase: "cafe\u{0301}") == Self.secret)
        let bip39 = WalletSecret(mnemonic: Self.secret.mnemonic, mnemonicPassphrase: "\u{00E9}")
        #expect(bip39.mnemonicPassphrase == "e\u{0301}")
        let sealed = try WalletFile(sealing: bip39, passphrase: "x", network: .regtest, cost: .minimum)
        #expect(try WalletFile(decoding: sealed.encoded()).unlock(passphrase: "x") == bip39)
    }

    // MARK: Failures

    @Test func wrongPassphrase() throws {
        let file = try WalletFile(decoding: bytes(PythonWallet.hex))
        for guess in [
            "", "correct horse battery stapl", "Correct horse battery staple", "correct horse battery staple ",
        ] {
            #expect(throws: WalletFileError.wrongPassphrase) { try file.unlock(passphrase: guess) }
        }
        #expect(WalletFileError.wrongPassphrase.description == "wrong passphrase")
    }

    /// One flipped bit anywhere, checksum left as it was: never accepted, and never taken for a wrong
    /// passphrase (decoding fails before any key is derived).
    @Test func everyDamagedByteIsCaught() throws {
        let original = bytes(PythonWallet.hex)
        for index in original.indices {
            var damaged = original
            damaged[index] ^= 0x04
            do {
                _ = try WalletFile(decoding: damaged)
                Issue.record("byte \(index) damaged, file accepted")
            } catch {
                switch error {
                case .notAWalletFile: #expect(index < 8)
                case .unsupportedVersion: #expect(index == 8)
                case .damaged, .truncated: #expect(index > 8)
                default: Issue.record("byte \(index): unexpected \(error)")
                }
            }
        }
    }

    @Test func damagedMessageNamesTheChecksum() throws {
        var damaged = bytes(PythonWallet.hex)
        damaged[PythonWallet.sealedOffset + 5] ^= 0x80
        #expect(throws: WalletFileError.damaged("checksum mismatch")) { try WalletFile(decoding: damaged) }
    }

    /// Altered on purpose (checksum recomputed): the AEAD catches what the checksum cannot.
    @Test func tamperedCiphertextIsDetected() throws {
        for offset in [0, 10, 23, 24, 39] {  // ciphertext bytes, then tag bytes
            var altered = bytes(PythonWallet.hex)
            altered[PythonWallet.sealedOffset + offset] ^= 0x01
            let file = try WalletFile(decoding: withChecksum(altered))
            #expect(throws: WalletFileError.tampered) { try file.unlock(passphrase: PythonWallet.passphrase) }
        }
    }

    @Test func tamperedHeaderIsDetected() throws {
        // The network: the key is the same, the associated data is not.
        var otherNetwork = bytes(PythonWallet.hex)
        otherNetwork.replaceSubrange(
            PythonWallet.networkOffset..<PythonWallet.networkOffset + 4, with: Network.main.magic)
        // The state's addresses are regtest ones: move them out of the way to reach the AEAD.
        var file = try WalletFile(decoding: bytes(PythonWallet.hex))
        file.state = WalletState()
        var cleared = try file.encoded()
        cleared.replaceSubrange(PythonWallet.networkOffset..<PythonWallet.networkOffset + 4, with: Network.main.magic)
        let onMain = try WalletFile(decoding: withChecksum(cleared))
        #expect(onMain.network == .main)
        #expect(throws: WalletFileError.tampered) { try onMain.unlock(passphrase: PythonWallet.passphrase) }
        // With the addresses left in, the state itself betrays the change.
        #expect(
            damage(of: { _ = try WalletFile(decoding: withChecksum(otherNetwork)) })?.contains(
                "an address for regtest, in a main wallet") == true)

        // The nonce: authenticated as associated data and used as the nonce.
        var nonce = bytes(PythonWallet.hex)
        nonce[PythonWallet.nonceOffset + 23] ^= 0x01
        #expect(throws: WalletFileError.tampered) {
            try WalletFile(decoding: withChecksum(nonce)).unlock(passphrase: PythonWallet.passphrase)
        }
        // The Argon2id cost or salt: another key results, which is all the file can tell.
        for (offset, value) in [
            (PythonWallet.opsOffset, UInt8(2)), (PythonWallet.saltOffset, 0x00), (PythonWallet.keyCheckOffset, 0x00),
        ] {
            var altered = bytes(PythonWallet.hex)
            altered[offset] = value
            #expect(throws: WalletFileError.wrongPassphrase) {
                try WalletFile(decoding: withChecksum(altered)).unlock(passphrase: PythonWallet.passphrase)
            }
        }
    }

    @Test("Unknown versions are refused before anything else is read", arguments: [UInt8(0), 2, 0xff])
    func unknownVersion(version: UInt8) {
        var file = bytes(PythonWallet.hex)
        file[8] = version
        #expect(throws: WalletFileError.unsupportedVersion(version)) { try WalletFile(decoding: file) }
        // Even with nothing after it.
        #expect(throws: WalletFileError.unsupportedVersion(version)) { try WalletFile(decoding: Array(file.prefix(9))) }
        #expect(WalletFileError.unsupportedVersion(2).description.contains("version 2 is not supported"))
    }

    @Test func everyTruncationIsReported() {
        let file = bytes(PythonWallet.hex)
        for length in 0..<file.count {
            #expect(throws: WalletFileError.truncated, "\(length) bytes") {
                try WalletFile(decoding: Array(file.prefix(length)))
            }
        }
    }

    @Test func trailingBytesAreDamage() {
        #expect(throws: WalletFileError.damaged("1 unexpected bytes after the value")) {
            try WalletFile(decoding: bytes(PythonWallet.hex) + [0])
        }
    }

    @Test func tooShortSealedSecretIsDamage() {
        // The sealed secret cut to 33 bytes, its count and the checksum adjusted to match.
        var file = bytes(PythonWallet.hex)
        #expect(file[PythonWallet.sealedOffset - 1] == UInt8(PythonWallet.sealedSize))
        file[PythonWallet.sealedOffset - 1] = 33
        file.removeSubrange(PythonWallet.sealedOffset + 33..<PythonWallet.sealedOffset + PythonWallet.sealedSize)
        #expect(
            damage(of: { _ = try WalletFile(decoding: withChecksum(file)) })
                == "the sealed secret is 33 bytes, too short")
    }

    @Test func otherFilesAreNotWalletFiles() {
        #expect(throws: WalletFileError.notAWalletFile) { try WalletFile(decoding: Array("SQLite format 3\0".utf8)) }
        #expect(throws: WalletFileError.notAWalletFile) { try WalletFile(decoding: [0x54, 0x41, 0x4c, 0x4c, 0x00]) }
        #expect(throws: WalletFileError.notAWalletFile) { try WalletFile(decoding: Array("talLYWAL\u{1}".utf8)) }
    }

    @Test func outOfBoundsCostIsRefusedBeforeArgon2idRuns() throws {
        // 2^40 bytes of memory asked for: refused as damage, without trying to allocate it.
        var huge = bytes(PythonWallet.hex)
        huge.replaceSubrange(PythonWallet.memOffset..<PythonWallet.memOffset + 8, with: [0, 0, 0, 0, 0, 1, 0, 0])
        #expect(
            damage(of: { _ = try WalletFile(decoding: withChecksum(huge)) })
                == "Argon2id memlimit 1099511627776 bytes is not a whole number of KiB from 8 KiB to 4 GiB")
        var zeroPasses = bytes(PythonWallet.hex)
        zeroPasses[PythonWallet.opsOffset] = 0
        #expect(
            damage(of: { _ = try WalletFile(decoding: withChecksum(zeroPasses)) })
                == "Argon2id opslimit 0 is outside 1…64")
        var oddMemory = bytes(PythonWallet.hex)
        oddMemory[PythonWallet.memOffset] = 1  // 8193 bytes: not whole KiB
        #expect(
            damage(of: { _ = try WalletFile(decoding: withChecksum(oddMemory)) })
                == "Argon2id memlimit 8193 bytes is not a whole number of KiB from 8 KiB to 4 GiB")

        for cost in [
            Argon2id.Cost(opsLimit: 0, memLimit: 8192), .init(opsLimit: 65, memLimit: 8192),
            .init(opsLimit: 1, memLimit: 4096), .init(opsLimit: 1, memLimit: 10_000),
            .init(opsLimit: 1, memLimit: 8 << 30),
        ] {
            let error = walletError(of: {
                _ = try WalletFile(sealing: Self.secret, passphrase: "p", network: .regtest, cost: cost)
            })
            guard case .invalidParameters(let why)? = error else {
                Issue.record("\(cost): \(String(describing: error))")
                continue
            }
            #expect(why.hasPrefix("Argon2id"))
        }
    }

    @Test func stateForAnotherNetworkIsRefused() throws {
        let regtestState = try Self.sampleState(.regtest)
        let stray = regtestState.addresses[0].address
        let expected = WalletFileError.invalidParameters(
            "the state holds \(stray), an address for regtest, in a main wallet")
        #expect(throws: expected) {
            try WalletFile(sealing: Self.secret, passphrase: "p", network: .main, state: regtestState, cost: .minimum)
        }
        var file = try Self.make(network: .main)
        file.state = regtestState
        #expect(throws: expected) { try file.encoded() }
    }

    @Test func overlongBIP39PassphraseIsRefused() throws {
        let secret = WalletSecret(
            mnemonic: Self.secret.mnemonic, mnemonicPassphrase: String(repeating: "x", count: 1025))
        #expect(throws: WalletFileError.invalidParameters("the BIP-39 passphrase is 1025 bytes; at most 1024")) {
            try WalletFile(sealing: secret, passphrase: "p", network: .regtest, cost: .minimum)
        }
        let longest = WalletSecret(
            mnemonic: Self.secret.mnemonic, mnemonicPassphrase: String(repeating: "x", count: 1024))
        let file = try WalletFile(sealing: longest, passphrase: "p", network: .regtest, cost: .minimum)
        #expect(try WalletFile(decoding: file.encoded()).unlock(passphrase: "p") == longest)
    }

    @Test func malformedStateIsDamage() throws {
        // Valid JSON whose outpoint is not TXID:INDEX, with a correct checksum.
        let file = bytes(PythonWallet.hex)
        let text = String(decoding: file, as: UTF8.self)
        #expect(text.contains(":1\"}]}"))
        var altered = file
        let needle = Array(":1\"}]}".utf8)
        let at = (0...(file.count - needle.count)).first { Array(file[$0..<$0 + needle.count]) == needle }!
        altered[at] = UInt8(ascii: ";")
        #expect(
            damage(of: { _ = try WalletFile(decoding: withChecksum(altered)) })?.hasPrefix("the state is not valid")
                == true)
    }

    @Test func descriptionsDoNotRevealSecrets() throws {
        let file = try Self.make()
        let secret = try file.unlock(passphrase: "pass phrase")
        #expect(secret.description == "WalletSecret(12 words, with passphrase)")
        #expect(!"\(secret)".contains("letter"))
    }
}

private func walletError(of body: () throws -> Void) -> WalletFileError? {
    do {
        try body()
        return nil
    } catch { return error as? WalletFileError }
}

/// The message of a `.damaged` error, nil for success or any other error.
private func damage(of body: () throws -> Void) -> String? {
    if case .damaged(let why)? = walletError(of: body) { why } else { nil }
}
