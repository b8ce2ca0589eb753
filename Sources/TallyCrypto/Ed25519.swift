import CSodium

/// Ed25519 signatures (RFC 8032) through libsodium, whose verifier rejects non-canonical encodings,
/// so a third party cannot turn one valid signature into another.
public enum Ed25519 {
    public static let publicKeySize = 32
    public static let signatureSize = 64
    public static let seedSize = 32

    public struct PrivateKey: Sendable {
        /// libsodium's 64-byte secret key: the 32-byte seed followed by the public key.
        private let secretKey: [UInt8]
        public let publicKey: [UInt8]

        /// Derives the key pair from a 32-byte seed (the form SLIP-0010 and key files hold).
        public init(seed: [UInt8]) {
            precondition(seed.count == Ed25519.seedSize, "an Ed25519 seed is 32 bytes")
            var pk = [UInt8](repeating: 0, count: Ed25519.publicKeySize)
            var sk = [UInt8](repeating: 0, count: 64)
            _ = crypto_sign_seed_keypair(&pk, &sk, seed)
            secretKey = sk
            publicKey = pk
        }

        public static func generate() -> PrivateKey { PrivateKey(seed: SecureRandom.bytes(Ed25519.seedSize)) }

        public var seed: [UInt8] { Array(secretKey[0..<32]) }

        public func sign(_ message: [UInt8]) -> [UInt8] {
            var signature = [UInt8](repeating: 0, count: Ed25519.signatureSize)
            _ = crypto_sign_detached(&signature, nil, message, UInt64(message.count), secretKey)
            return signature
        }
    }

    public static func verify(signature: [UInt8], message: [UInt8], publicKey: [UInt8]) -> Bool {
        guard signature.count == signatureSize, publicKey.count == publicKeySize else { return false }
        return crypto_sign_verify_detached(signature, message, UInt64(message.count), publicKey) == 0
    }
}
