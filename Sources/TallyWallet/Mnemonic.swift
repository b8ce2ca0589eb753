import Foundation
import TallyCrypto

/// Why a mnemonic could not be made or read.
public enum MnemonicError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Entropy must be 16, 20, 24, 28 or 32 bytes.
    case invalidEntropyLength(Int)
    /// A mnemonic has 12, 15, 18, 21 or 24 words.
    case wrongWordCount(Int)
    /// A word (1-based `position`) that is not in the BIP-39 English list.
    case unknownWord(String, position: Int)
    /// Every word is known, but the last bits do not match the SHA-256 of the entropy: a word was
    /// mistyped into another valid word, or the words are out of order.
    case badChecksum
    /// The built-in word list could not be loaded or does not match the official file.
    case wordListUnavailable(String)
    /// PBKDF2 failed in libcrypto.
    case seedDerivationFailed(String)

    public var description: String {
        switch self {
        case .invalidEntropyLength(let n):
            "entropy is \(n) bytes; BIP-39 takes 16, 20, 24, 28 or 32 bytes (128–256 bits)"
        case .wrongWordCount(let n):
            "the mnemonic has \(n) word\(n == 1 ? "" : "s"); it must have 12, 15, 18, 21 or 24"
        case let .unknownWord(word, position):
            "word \(position) ('\(word)') is not in the BIP-39 English word list"
        case .badChecksum:
            "the mnemonic's checksum does not match: a word is wrong or the words are out of order"
        case .wordListUnavailable(let why): "BIP-39 word list unavailable: \(why)"
        case .seedDerivationFailed(let why): "seed derivation failed: \(why)"
        }
    }
}

/// A BIP-39 mnemonic: 128–256 bits of entropy written as 12–24 words of the English list, the last
/// word carrying a checksum. The entropy is the wallet's only secret; every key follows from it (and
/// from the optional BIP-39 passphrase) through `seed(passphrase:)` and SLIP-0010.
///
/// `description` does not show the words, so a mnemonic printed by accident reveals nothing.
public struct Mnemonic: Sendable, Equatable, CustomStringConvertible {
    public let entropy: [UInt8]
    public let words: [String]

    public static let entropySizes = [16, 20, 24, 28, 32]
    public static let wordCounts = [12, 15, 18, 21, 24]
    public static let seedIterations = 2048
    public static let seedSize = 64

    /// The mnemonic of `entropy` (16, 20, 24, 28 or 32 bytes → 12, 15, 18, 21 or 24 words).
    public init(entropy: [UInt8]) throws(MnemonicError) {
        guard Mnemonic.entropySizes.contains(entropy.count) else { throw .invalidEntropyLength(entropy.count) }
        let list = try WordList.words()
        let bits = Mnemonic.bitsWithChecksum(entropy)
        var words: [String] = []
        words.reserveCapacity(bits.count / 11)
        for start in stride(from: 0, to: bits.count, by: 11) {
            var index = 0
            for bit in bits[start..<start + 11] { index = index << 1 | Int(bit) }
            words.append(list[index])
        }
        self.entropy = entropy
        self.words = words
    }

    /// A new mnemonic from the system's secure random generator (libsodium `randombytes_buf`).
    public static func generate(wordCount: Int = 24) throws(MnemonicError) -> Mnemonic {
        guard wordCount % 3 == 0, wordCounts.contains(wordCount) else { throw .wrongWordCount(wordCount) }
        return try Mnemonic(entropy: SecureRandom.bytes(wordCount * 4 / 3))
    }

    /// Reads a mnemonic typed by a person: words separated by any white space, compared after Unicode
    /// NFKD normalisation and lower-casing. Checks, in this order, the number of words, that every
    /// word is in the list, and the checksum.
    public init(phrase: String) throws(MnemonicError) {
        let normalised = phrase.decomposedStringWithCompatibilityMapping.lowercased()
        let words = normalised.split(whereSeparator: { $0.isWhitespace }).map(String.init)
        guard Mnemonic.wordCounts.contains(words.count) else { throw .wrongWordCount(words.count) }
        _ = try WordList.words()
        var bits: [UInt8] = []
        bits.reserveCapacity(words.count * 11)
        for (position, word) in words.enumerated() {
            guard let index = WordList.indices[word] else { throw .unknownWord(word, position: position + 1) }
            for shift in (0..<11).reversed() { bits.append(UInt8(index >> shift & 1)) }
        }
        let checksumBits = words.count / 3
        let entropyBits = bits.count - checksumBits
        var entropy = [UInt8](repeating: 0, count: entropyBits / 8)
        for i in 0..<entropyBits where bits[i] == 1 { entropy[i / 8] |= 0x80 >> UInt8(i % 8) }
        guard Mnemonic.bitsWithChecksum(entropy) == bits else { throw .badChecksum }
        self.entropy = entropy
        self.words = words
    }

    /// The words separated by single spaces: the form BIP-39 hashes into the seed.
    public var phrase: String { words.joined(separator: " ") }

    public var description: String { "Mnemonic(\(words.count) words)" }

    /// The BIP-39 seed: PBKDF2-HMAC-SHA512 with the NFKD phrase as password, "mnemonic" followed by the
    /// NFKD passphrase as salt, 2048 iterations, 64 bytes. Any passphrase gives a valid (different) seed.
    public func seed(passphrase: String = "") throws(MnemonicError) -> [UInt8] {
        let password = Array(phrase.decomposedStringWithCompatibilityMapping.utf8)
        let salt = Array(("mnemonic" + passphrase.decomposedStringWithCompatibilityMapping).utf8)
        do {
            return try PBKDF2.hmacSHA512(
                password: password, salt: salt, iterations: Mnemonic.seedIterations,
                keyLength: Mnemonic.seedSize)
        } catch {
            throw .seedDerivationFailed("\(error)")
        }
    }

    /// The entropy's bits, most significant first, followed by the first `bits / 32` bits of its SHA-256.
    static func bitsWithChecksum(_ entropy: [UInt8]) -> [UInt8] {
        let checksum = SHA256.hash(entropy).bytes
        var bits: [UInt8] = []
        bits.reserveCapacity(entropy.count * 8 + entropy.count / 4)
        for byte in entropy { for shift in (0..<8).reversed() { bits.append(byte >> UInt8(shift) & 1) } }
        for i in 0..<(entropy.count / 4) { bits.append(checksum[i / 8] >> UInt8(7 - i % 8) & 1) }
        return bits
    }
}
