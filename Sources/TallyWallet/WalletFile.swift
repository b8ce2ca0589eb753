import Foundation
import TallyCrypto
import TallyWire

/// Why a wallet file could not be read, written or unlocked.
public enum WalletFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The bytes do not start with the wallet file's magic.
    case notAWalletFile
    /// A format version this program does not know (written by a newer one).
    case unsupportedVersion(UInt8)
    /// The file ends before its last field.
    case truncated
    /// The file's checksum or structure is wrong: damaged on disk or in transit.
    case damaged(String)
    /// The passphrase does not open this file.
    case wrongPassphrase
    /// The passphrase is right but the sealed secret, or the header it is bound to, was altered after
    /// the file was written (and the checksum recomputed): deliberate tampering.
    case tampered
    /// Argon2id could not run (usually: not enough memory for the file's cost).
    case keyDerivationFailed(String)
    /// Values that cannot be written: a cost outside the format's bounds, an overlong BIP-39
    /// passphrase, a state holding another network's addresses.
    case invalidParameters(String)

    public var description: String {
        switch self {
        case .notAWalletFile: "not a Tally wallet file"
        case .unsupportedVersion(let v):
            "wallet file format version \(v) is not supported (this program reads version \(WalletFile.version)); use a newer tally-wallet"
        case .truncated: "the wallet file is truncated"
        case .damaged(let why): "the wallet file is damaged: \(why)"
        case .wrongPassphrase: "wrong passphrase"
        case .tampered: "the wallet file was altered: its encrypted secret or header fails authentication"
        case .keyDerivationFailed(let why): "cannot derive the file key: \(why)"
        case .invalidParameters(let why): "cannot write the wallet file: \(why)"
        }
    }
}

/// The wallet file (Protocol.md §14), as a value: its header, the sealed secret and the public state.
/// Pure codec: reading and writing the bytes to disk is the caller's business.
///
/// The secret (mnemonic entropy and BIP-39 passphrase) is encrypted with XChaCha20-Poly1305 under a
/// key that Argon2id derives from the passphrase; the header (format version, network, Argon2id cost
/// and salt, nonce, key check) is the AEAD's associated data. The public `state` is not encrypted
/// and can be replaced without the passphrase (`file.state = …; file.encoded()`).
public struct WalletFile: Sendable, Equatable {
    public static let magic = Array("TALLYWAL".utf8)
    public static let version: UInt8 = 1
    /// magic 8, version 1, network 4, opslimit 4, memlimit 8, salt 16, nonce 24, key check 16.
    public static let headerSize = 81
    public static let keyCheckSize = 16
    public static let checksumSize = 32
    /// Argon2id costs a file may ask for; anything else is refused before Argon2id runs.
    public static let opsLimitRange: ClosedRange<UInt64> = 1...64
    public static let memLimitRange: ClosedRange<UInt64> = (8 << 10)...(4 << 30)
    static let maximumSealedSize = 2 + 32 + 3 + WalletSecret.maximumPassphraseBytes + XChaCha20Poly1305.tagSize
    static let maximumStateSize = 1 << 28

    public let network: Network
    public let cost: Argon2id.Cost
    public let salt: [UInt8]
    public let nonce: [UInt8]
    let keyCheck: [UInt8]
    let sealedSecret: [UInt8]
    public var state: WalletState

    // MARK: Creating

    /// Encrypts `secret` under `passphrase` (NFKD-normalised) with a fresh random salt and nonce.
    /// `cost` defaults to libsodium's MODERATE (3 passes over 256 MiB); it is stored in the file.
    public init(
        sealing secret: WalletSecret, passphrase: String, network: Network, state: WalletState = WalletState(),
        cost: Argon2id.Cost = .moderate
    ) throws(WalletFileError) {
        try WalletFile.checkCost(cost) { .invalidParameters($0) }
        let passphraseBytes = Array(secret.mnemonicPassphrase.utf8)
        guard passphraseBytes.count <= WalletSecret.maximumPassphraseBytes else {
            throw .invalidParameters(
                "the BIP-39 passphrase is \(passphraseBytes.count) bytes; at most \(WalletSecret.maximumPassphraseBytes)"
            )
        }
        try WalletFile.checkNetwork(of: state, network) { .invalidParameters($0) }
        let salt = SecureRandom.bytes(Argon2id.saltSize)
        let nonce = XChaCha20Poly1305.randomNonce()
        let keys = try WalletFile.deriveKeys(passphrase: passphrase, salt: salt, cost: cost)
        var plaintext = ByteWriter()
        plaintext.write(UInt8(secret.mnemonic.entropy.count))
        plaintext.write(bytes: secret.mnemonic.entropy)
        plaintext.writeVarBytes(passphraseBytes)
        let header = WalletFile.header(network: network, cost: cost, salt: salt, nonce: nonce, keyCheck: keys.check)
        let sealed: [UInt8]
        do {
            sealed = try XChaCha20Poly1305.seal(
                plaintext.bytes, key: keys.encryption, nonce: nonce, associatedData: header)
        } catch {
            throw .keyDerivationFailed("\(error)")
        }
        self.init(
            network: network, cost: cost, salt: salt, nonce: nonce, keyCheck: keys.check, sealedSecret: sealed,
            state: state)
    }

    private init(
        network: Network, cost: Argon2id.Cost, salt: [UInt8], nonce: [UInt8], keyCheck: [UInt8],
        sealedSecret: [UInt8], state: WalletState
    ) {
        self.network = network
        self.cost = cost
        self.salt = salt
        self.nonce = nonce
        self.keyCheck = keyCheck
        self.sealedSecret = sealedSecret
        self.state = state
    }

    // MARK: Unlocking

    /// Recovers the secret. Throws `wrongPassphrase` when the passphrase does not match and `tampered`
    /// when it does but the sealed secret or the header fails authentication.
    public func unlock(passphrase: String) throws(WalletFileError) -> WalletSecret {
        let keys = try WalletFile.deriveKeys(passphrase: passphrase, salt: salt, cost: cost)
        guard constantTimeEqual(keys.check, keyCheck) else { throw .wrongPassphrase }
        let plaintext: [UInt8]
        do {
            plaintext = try XChaCha20Poly1305.open(
                sealedSecret, key: keys.encryption, nonce: nonce, associatedData: header)
        } catch {
            throw .tampered
        }
        var reader = ByteReader(plaintext)
        do {
            let entropy = try reader.readBytes(Int(try reader.readUInt8()))
            let passphraseBytes = try reader.readVarBytes(limit: WalletSecret.maximumPassphraseBytes)
            try reader.expectEnd()
            guard let mnemonicPassphrase = String(validating: passphraseBytes, as: UTF8.self) else {
                throw WalletFileError.damaged("the BIP-39 passphrase is not UTF-8")
            }
            return WalletSecret(mnemonic: try Mnemonic(entropy: entropy), mnemonicPassphrase: mnemonicPassphrase)
        } catch let error as WalletFileError {
            throw error
        } catch {
            throw .damaged("the decrypted secret is malformed: \(error)")
        }
    }

    // MARK: Encoding

    /// The file's bytes: header, sealed secret, state JSON, SHA-256 checksum.
    public func encoded() throws(WalletFileError) -> [UInt8] {
        try WalletFile.checkNetwork(of: state, network) { .invalidParameters($0) }
        let json: [UInt8]
        do { json = try state.jsonBytes() } catch { throw .invalidParameters("the state cannot be encoded: \(error)") }
        var writer = ByteWriter(capacity: WalletFile.headerSize + sealedSecret.count + json.count + 64)
        writer.write(bytes: header)
        writer.writeVarBytes(sealedSecret)
        writer.writeVarBytes(json)
        writer.write(bytes: SHA256.hash(writer.bytes).bytes)
        return writer.bytes
    }

    /// Reads a wallet file without the passphrase (the state is readable; the secret stays sealed).
    /// Checks, in order: magic, version, length of every field, checksum, then each field's value.
    public init(decoding bytes: [UInt8]) throws(WalletFileError) {
        let magic = WalletFile.magic
        guard bytes.count >= magic.count else {
            throw bytes == Array(magic.prefix(bytes.count)) ? .truncated : .notAWalletFile
        }
        guard Array(bytes[0..<magic.count]) == magic else { throw .notAWalletFile }
        guard bytes.count > magic.count else { throw .truncated }
        let version = bytes[magic.count]
        guard version == WalletFile.version else { throw .unsupportedVersion(version) }

        var reader = ByteReader(bytes)
        let networkMagic: [UInt8]
        let opsLimit: UInt32
        let memLimit: UInt64
        let salt: [UInt8]
        let nonce: [UInt8]
        let keyCheck: [UInt8]
        let sealed: [UInt8]
        let json: [UInt8]
        let checksum: [UInt8]
        let body: [UInt8]
        do {
            _ = try reader.readBytes(magic.count + 1)
            networkMagic = try reader.readBytes(4)
            opsLimit = try reader.readUInt32()
            memLimit = try reader.readUInt64()
            salt = try reader.readBytes(Argon2id.saltSize)
            nonce = try reader.readBytes(XChaCha20Poly1305.nonceSize)
            keyCheck = try reader.readBytes(WalletFile.keyCheckSize)
            sealed = try reader.readVarBytes(limit: WalletFile.maximumSealedSize)
            json = try reader.readVarBytes(limit: WalletFile.maximumStateSize)
            body = Array(bytes[0..<reader.offset])
            checksum = try reader.readBytes(WalletFile.checksumSize)
            try reader.expectEnd()
        } catch {
            if case .truncated = error { throw .truncated }
            throw .damaged("\(error)")
        }
        guard SHA256.hash(body).bytes == checksum else { throw .damaged("checksum mismatch") }

        guard let network = Network.allCases.first(where: { $0.magic == networkMagic }) else {
            throw .damaged("unknown network magic \(Hex.encode(networkMagic))")
        }
        let cost = Argon2id.Cost(opsLimit: UInt64(opsLimit), memLimit: memLimit)
        try WalletFile.checkCost(cost) { .damaged($0) }
        // The shortest secret: entropy length, 16 bytes of entropy, an empty passphrase.
        guard sealed.count >= 1 + 16 + 1 + XChaCha20Poly1305.tagSize else {
            throw .damaged("the sealed secret is \(sealed.count) bytes, too short")
        }
        let state: WalletState
        do { state = try WalletState.decode(json: json) } catch {
            throw .damaged("the state is not valid: \(error)")
        }
        try WalletFile.checkNetwork(of: state, network) { .damaged($0) }
        self.init(
            network: network, cost: cost, salt: salt, nonce: nonce, keyCheck: keyCheck, sealedSecret: sealed,
            state: state)
    }

    // MARK: Pieces

    /// The 81 header bytes, which are also the AEAD's associated data.
    var header: [UInt8] {
        WalletFile.header(network: network, cost: cost, salt: salt, nonce: nonce, keyCheck: keyCheck)
    }

    static func header(
        network: Network, cost: Argon2id.Cost, salt: [UInt8], nonce: [UInt8], keyCheck: [UInt8]
    ) -> [UInt8] {
        var writer = ByteWriter(capacity: headerSize)
        writer.write(bytes: magic)
        writer.write(version)
        writer.write(bytes: network.magic)
        writer.write(UInt32(cost.opsLimit))
        writer.write(cost.memLimit)
        writer.write(bytes: salt)
        writer.write(bytes: nonce)
        writer.write(bytes: keyCheck)
        return writer.bytes
    }

    /// Argon2id(NFKD passphrase, salt, cost) → 48 bytes: the XChaCha20-Poly1305 key, then the key check.
    static func deriveKeys(
        passphrase: String, salt: [UInt8], cost: Argon2id.Cost
    ) throws(WalletFileError)
        -> (encryption: [UInt8], check: [UInt8])
    {
        let password = Array(passphrase.decomposedStringWithCompatibilityMapping.utf8)
        let out: [UInt8]
        do {
            out = try Argon2id.deriveKey(
                length: XChaCha20Poly1305.keySize + keyCheckSize, password: password, salt: salt, cost: cost)
        } catch {
            throw .keyDerivationFailed("\(error)")
        }
        return (Array(out[0..<32]), Array(out[32..<48]))
    }

    static func checkCost(_ cost: Argon2id.Cost, _ error: (String) -> WalletFileError) throws(WalletFileError) {
        guard opsLimitRange.contains(cost.opsLimit) else {
            throw error(
                "Argon2id opslimit \(cost.opsLimit) is outside \(opsLimitRange.lowerBound)…\(opsLimitRange.upperBound)")
        }
        guard memLimitRange.contains(cost.memLimit), cost.memLimit % 1024 == 0 else {
            throw error("Argon2id memlimit \(cost.memLimit) bytes is not a whole number of KiB from 8 KiB to 4 GiB")
        }
    }

    static func checkNetwork(
        of state: WalletState, _ network: Network, _ error: (String) -> WalletFileError
    ) throws(WalletFileError) {
        if let stray = state.allAddresses.first(where: { $0.network != network }) {
            throw error("the state holds \(stray), an address for \(stray.network), in a \(network) wallet")
        }
    }
}

private func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    var difference: UInt8 = 0
    for i in a.indices { difference |= a[i] ^ b[i] }
    return difference == 0
}
