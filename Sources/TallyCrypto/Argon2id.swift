import CSodium

/// Argon2id version 1.3 (RFC 9106) through libsodium's `crypto_pwhash` with one lane: the
/// memory-hard function that turns a wallet passphrase into an encryption key.
public enum Argon2id {
    /// libsodium's `crypto_pwhash` takes exactly 16 bytes of salt.
    public static let saltSize = 16
    public static let minimumOutputLength = 16

    /// How much work one derivation costs: `opsLimit` passes over `memLimit` bytes of memory (libsodium
    /// rounds the memory down to whole KiB, so the cost is the same for `memLimit` and its KiB floor).
    public struct Cost: Sendable, Hashable, CustomStringConvertible {
        public var opsLimit: UInt64
        public var memLimit: UInt64

        public init(opsLimit: UInt64, memLimit: UInt64) {
            self.opsLimit = opsLimit
            self.memLimit = memLimit
        }

        /// libsodium's MODERATE: 3 passes over 256 MiB, about a second on a current desktop.
        public static let moderate = Cost(opsLimit: 3, memLimit: 256 << 20)
        /// libsodium's INTERACTIVE: 2 passes over 64 MiB.
        public static let interactive = Cost(opsLimit: 2, memLimit: 64 << 20)
        /// The cheapest cost libsodium allows (1 pass, 8 KiB): for tests only, it protects nothing.
        public static let minimum = Cost(opsLimit: 1, memLimit: 8 << 10)

        public var description: String { "Argon2id \(opsLimit) pass(es) over \(memLimit >> 10) KiB" }
    }

    /// Derives `length` bytes from `password` and a 16-byte `salt`. Throws on a wrong salt size, a cost
    /// or length outside libsodium's bounds, and when the memory cannot be had.
    public static func deriveKey(
        length: Int, password: [UInt8], salt: [UInt8], cost: Cost
    ) throws(CryptoError) -> [UInt8] {
        guard sodiumInitialised else { throw .libraryFailure("libsodium failed to initialise") }
        guard salt.count == saltSize else {
            throw .invalidLength(what: "Argon2id salt", expected: "16", got: salt.count)
        }
        guard length >= minimumOutputLength, length <= 1 << 20 else {
            throw .invalidParameter("Argon2id output length must be 16…1048576 bytes, got \(length)")
        }
        let opsRange = UInt64(crypto_pwhash_argon2id_opslimit_min())...UInt64(crypto_pwhash_argon2id_opslimit_max())
        let memRange = UInt64(crypto_pwhash_argon2id_memlimit_min())...UInt64(crypto_pwhash_argon2id_memlimit_max())
        guard opsRange.contains(cost.opsLimit) else {
            throw .invalidParameter(
                "Argon2id opslimit \(cost.opsLimit) is outside \(opsRange.lowerBound)…\(opsRange.upperBound)")
        }
        guard memRange.contains(cost.memLimit) else {
            throw .invalidParameter(
                "Argon2id memlimit \(cost.memLimit) bytes is outside \(memRange.lowerBound)…\(memRange.upperBound)")
        }
        var out = [UInt8](repeating: 0, count: length)
        // A zero-length password still needs a valid pointer; a one-byte buffer stands in.
        let passwordChars = (password.isEmpty ? [0] : password).map { CChar(bitPattern: $0) }
        let status = crypto_pwhash(
            &out, UInt64(length), passwordChars, UInt64(password.count), salt,
            cost.opsLimit, Int(cost.memLimit), crypto_pwhash_argon2id_ALG_ARGON2ID13)
        guard status == 0 else {
            throw .libraryFailure("Argon2id failed (\(cost)): not enough memory?")
        }
        return out
    }
}
