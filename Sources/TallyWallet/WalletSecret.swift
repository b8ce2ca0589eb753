import Foundation
import TallyWire

/// What the wallet file encrypts: the mnemonic (its entropy) and the optional BIP-39 passphrase.
/// Every key of the wallet follows from these two. `description` shows neither.
public struct WalletSecret: Sendable, Equatable, CustomStringConvertible {
    public let mnemonic: Mnemonic
    /// The BIP-39 passphrase, NFKD-normalised; "" for none.
    public let mnemonicPassphrase: String

    /// The longest BIP-39 passphrase a wallet file holds, in UTF-8 bytes after normalisation.
    public static let maximumPassphraseBytes = 1024

    public init(mnemonic: Mnemonic, mnemonicPassphrase: String = "") {
        self.mnemonic = mnemonic
        self.mnemonicPassphrase = mnemonicPassphrase.decomposedStringWithCompatibilityMapping
    }

    public var description: String {
        "WalletSecret(\(mnemonic.words.count) words, \(mnemonicPassphrase.isEmpty ? "no passphrase" : "with passphrase"))"
    }

    /// The SLIP-0010 master key of the BIP-39 seed.
    public func masterKey() throws(HDKeyError) -> HDKey {
        let seed: [UInt8]
        do { seed = try mnemonic.seed(passphrase: mnemonicPassphrase) } catch { throw .cryptoFailure("\(error)") }
        return try HDKey(seed: seed)
    }

    /// The key at Tally's path `m/44'/COIN'/account'/change'/index'` (Protocol.md §14).
    public func key(
        network: Network, account: UInt32 = 0, change: Bool = false, index: UInt32
    ) throws(HDKeyError) -> HDKey {
        try masterKey().derive(.tally(network: network, account: account, change: change, index: index))
    }
}
