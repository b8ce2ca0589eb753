import TallyCrypto

/// The BIP-39 English word list, compiled in (`BIP39English`) and checked once against the
/// SHA-256 of the official file, so a damaged or substituted list can never produce a mnemonic.
enum WordList {
    /// SHA-256 of the official `english.txt` (2048 lines, each ending in a line feed).
    static let expectedSHA256 = "2f5eed53a4727b4bf8880d8f3f199efc90e58503646d9ff8eff3a2ed3b24dbda"
    static let count = 2048

    static let english: Result<[String], MnemonicError> = load()

    /// Word → index (0…2047).
    static let indices: [String: Int] = {
        guard case .success(let words) = english else { return [:] }
        return Dictionary(uniqueKeysWithValues: words.enumerated().map { ($1, $0) })
    }()

    static func words() throws(MnemonicError) -> [String] {
        switch english {
        case .success(let words): return words
        case .failure(let error): throw error
        }
    }

    static func load() -> Result<[String], MnemonicError> {
        parse(Array(BIP39English.file.utf8))
    }

    /// Checks the hash, then splits the file into its 2048 words.
    static func parse(_ file: [UInt8]) -> Result<[String], MnemonicError> {
        let digest = Hex.encode(SHA256.hash(file).bytes)
        guard digest == expectedSHA256 else {
            return .failure(
                .wordListUnavailable("bip39-english.txt has SHA-256 \(digest), not the official \(expectedSHA256)"))
        }
        let words = file.split(separator: UInt8(ascii: "\n")).map { String(decoding: $0, as: UTF8.self) }
        guard words.count == count else {
            return .failure(.wordListUnavailable("bip39-english.txt has \(words.count) words, not \(count)"))
        }
        return .success(words)
    }
}
