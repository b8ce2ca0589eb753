import TallyWire

/// A SLIP-0010 path for Ed25519 keys, every step hardened: `m/44'/5353'/0'/0'/7'`.
///
/// `indices` holds each step's index below 2^31; derivation adds the hardened bit (2^31). Ed25519 has
/// no non-hardened derivation, so a path written without the hardened mark is refused rather than
/// silently hardened.
public struct DerivationPath: Sendable, Hashable, CustomStringConvertible {
    public let indices: [UInt32]

    /// 2^31: indices at or above it are not indices but hardened child numbers.
    public static let hardenedOffset: UInt32 = 0x8000_0000
    public static let master = DerivationPath(indices: [])

    public init(indices: [UInt32]) {
        self.indices = indices
    }

    public enum ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        case empty
        case missingMasterPrefix(String)
        case emptyStep(position: Int)
        case invalidStep(String, position: Int)
        case notHardened(String, position: Int)
        case indexTooLarge(String, position: Int)

        public var description: String {
            switch self {
            case .empty: "empty derivation path; write it as m/44'/5353'/0'/0'/0'"
            case .missingMasterPrefix(let text): "derivation path '\(text)' must start with 'm'"
            case .emptyStep(let position): "step \(position) of the derivation path is empty"
            case let .invalidStep(step, position): "step \(position) ('\(step)') is not a number followed by ' or h"
            case let .notHardened(step, position):
                "step \(position) ('\(step)') is not hardened; Ed25519 (SLIP-0010) derives hardened children only: write \(step)'"
            case let .indexTooLarge(step, position): "step \(position) ('\(step)') is not below 2^31 (2147483648)"
            }
        }
    }

    /// Parses `m` followed by `/N'` steps; `h` or `H` may stand for `'`. Each N is a decimal number
    /// below 2^31 without sign or leading zeros.
    public init(parsing text: String) throws(ParseError) {
        guard !text.isEmpty else { throw .empty }
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts[0] == "m" else { throw .missingMasterPrefix(text) }
        var indices: [UInt32] = []
        for (offset, step) in parts.dropFirst().enumerated() {
            let position = offset + 1
            guard !step.isEmpty else { throw .emptyStep(position: position) }
            let digits: Substring
            if let last = step.last, "'hH".contains(last) { digits = step.dropLast() } else { digits = step[...] }
            guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
                digits == "0" || digits.first != "0"
            else { throw .invalidStep(step, position: position) }
            guard digits.count <= 10, let value = UInt64(digits), value < UInt64(DerivationPath.hardenedOffset) else {
                throw .indexTooLarge(step, position: position)
            }
            guard digits.count < step.count else { throw .notHardened(step, position: position) }
            indices.append(UInt32(value))
        }
        self.indices = indices
    }

    /// `m/44'/5353'/0'/0'/0'` with the `'` mark.
    public var description: String {
        (["m"] + indices.map { "\($0)'" }).joined(separator: "/")
    }

    public func appending(_ index: UInt32) -> DerivationPath { DerivationPath(indices: indices + [index]) }

    // MARK: Tally's layout (Protocol.md §14)

    /// BIP-44's purpose number, the first step of every Tally path.
    public static let purpose: UInt32 = 44

    /// The coin type, the second step: 5353 on main; 1 (every test network's, as in SLIP-0044) on regtest.
    public static func coinType(_ network: Network) -> UInt32 {
        switch network {
        case .main: 5353
        case .regtest: 1
        }
    }

    /// `m/44'/COIN'/account'/change'/index'`, change 0' for receiving addresses and 1' for change.
    public static func tally(network: Network, account: UInt32, change: Bool, index: UInt32) -> DerivationPath {
        DerivationPath(indices: [purpose, coinType(network), account, change ? 1 : 0, index])
    }
}
