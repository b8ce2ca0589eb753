/// Why a key-derivation or encryption call could not produce its result. The primitives in this module
/// return these instead of trapping on bad sizes or parameters.
public enum CryptoError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A key, nonce or salt of the wrong length.
    case invalidLength(what: String, expected: String, got: Int)
    /// A parameter outside what the algorithm accepts (iterations, output length, cost).
    case invalidParameter(String)
    /// An AEAD ciphertext, its tag or its associated data do not match the key: it was altered, or the
    /// key is wrong.
    case authenticationFailed
    /// The library refused the call (for Argon2id: usually not enough memory for the cost asked).
    case libraryFailure(String)

    public var description: String {
        switch self {
        case let .invalidLength(what, expected, got): "\(what) is \(got) bytes, expected \(expected)"
        case .invalidParameter(let why): "invalid parameter: \(why)"
        case .authenticationFailed:
            "authentication failed: the ciphertext, its tag or the associated data was altered, or the key is wrong"
        case .libraryFailure(let why): why
        }
    }
}
