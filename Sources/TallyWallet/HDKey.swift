import TallyCrypto
import TallyWire

public enum HDKeyError: Error, Equatable, Sendable, CustomStringConvertible {
    /// SLIP-0010 seeds are 16 to 64 bytes (128 to 512 bits).
    case seedLength(Int)
    /// A child index at or above 2^31 (the hardened bit is added by derivation, not given).
    case indexOutOfRange(UInt32)
    /// HMAC-SHA512 or PBKDF2 failed in libcrypto.
    case cryptoFailure(String)

    public var description: String {
        switch self {
        case .seedLength(let n): "a SLIP-0010 seed is 16 to 64 bytes, not \(n)"
        case .indexOutOfRange(let i): "child index \(i) is not below 2^31; give the index without the hardened bit"
        case .cryptoFailure(let why): "key derivation failed: \(why)"
        }
    }
}

/// A SLIP-0010 Ed25519 extended private key: the 32-byte private key (an Ed25519 seed in RFC 8032's
/// sense) and the 32-byte chain code, with the path it was derived along. Only hardened derivation
/// exists for Ed25519, so every child needs the parent's private key.
public struct HDKey: Sendable, Equatable, CustomStringConvertible {
    public let privateKey: [UInt8]
    public let chainCode: [UInt8]
    public let path: DerivationPath

    /// The HMAC key SLIP-0010 uses for the Ed25519 master key.
    public static let curveKey = Array("ed25519 seed".utf8)

    /// The master key of `seed` (for Tally, a 64-byte BIP-39 seed): HMAC-SHA512(key "ed25519 seed", seed),
    /// left half the private key, right half the chain code.
    public init(seed: [UInt8]) throws(HDKeyError) {
        guard (16...64).contains(seed.count) else { throw .seedLength(seed.count) }
        let i = try HDKey.hmac(key: HDKey.curveKey, seed)
        self.init(privateKey: Array(i[0..<32]), chainCode: Array(i[32..<64]), path: .master)
    }

    private init(privateKey: [UInt8], chainCode: [UInt8], path: DerivationPath) {
        self.privateKey = privateKey
        self.chainCode = chainCode
        self.path = path
    }

    /// The hardened child `index'` (index below 2^31): HMAC-SHA512(key = chain code,
    /// 0x00 ‖ private key ‖ big-endian u32 (index + 2^31)).
    public func child(_ index: UInt32) throws(HDKeyError) -> HDKey {
        guard index < DerivationPath.hardenedOffset else { throw .indexOutOfRange(index) }
        let n = index | DerivationPath.hardenedOffset
        let data = [0] + privateKey + [UInt8(n >> 24), UInt8(n >> 16 & 0xff), UInt8(n >> 8 & 0xff), UInt8(n & 0xff)]
        let i = try HDKey.hmac(key: chainCode, data)
        return HDKey(privateKey: Array(i[0..<32]), chainCode: Array(i[32..<64]), path: path.appending(index))
    }

    /// The key at `path` below this one (below the master key: the key at the absolute path).
    public func derive(_ path: DerivationPath) throws(HDKeyError) -> HDKey {
        var key = self
        for index in path.indices { key = try key.child(index) }
        return key
    }

    /// The key that signs: RFC 8032 key pair from the 32-byte private key.
    public var signingKey: Ed25519.PrivateKey { Ed25519.PrivateKey(seed: privateKey) }

    /// The 32-byte Ed25519 public key (SLIP-0010 prints it with a 00 prefix; Tally never does).
    public var publicKey: [UInt8] { signingKey.publicKey }

    /// Shows the path only, never the key.
    public var description: String { "HDKey(\(path))" }

    public var addressHash: AddressHash { AddressHash(publicKey: publicKey) }

    public func address(on network: Network) -> Address { Address(network: network, hash: addressHash) }

    private static func hmac(key: [UInt8], _ data: [UInt8]) throws(HDKeyError) -> [UInt8] {
        do { return try HMACSHA512.authenticate(data, key: key) } catch { throw .cryptoFailure("\(error)") }
    }
}
