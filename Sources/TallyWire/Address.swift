/// The form of an address shown to people: Bech32m of a version symbol (0) followed by the 20-byte
/// address hash, with the network's prefix (`tly`, `tlyrt`).
public struct Address: Hashable, Sendable, CustomStringConvertible {
    public let network: Network
    public let hash: AddressHash

    public static let version: UInt8 = 0

    public init(network: Network, hash: AddressHash) {
        self.network = network
        self.hash = hash
    }

    public enum ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        case malformed(String)
        case wrongNetwork(expected: String, found: String)

        public var description: String {
            switch self {
            case .malformed(let why): "malformed address: \(why)"
            case let .wrongNetwork(expected, found): "address is for prefix '\(found)', this network uses '\(expected)'"
            }
        }
    }

    public init(parsing text: String, network: Network) throws(ParseError) {
        let decoded: (hrp: String, data: [UInt8])
        do { decoded = try Bech32m.decode(text) } catch { throw .malformed("\(error)") }
        guard decoded.hrp == network.addressPrefix else {
            throw .wrongNetwork(expected: network.addressPrefix, found: decoded.hrp)
        }
        guard let version = decoded.data.first, version == Address.version else { throw .malformed("unknown version") }
        let payload: [UInt8]
        do { payload = try Bech32m.convertBits(Array(decoded.data.dropFirst()), from: 5, to: 8, pad: false) } catch {
            throw .malformed("bad padding")
        }
        guard let hash = AddressHash(bytes: payload) else {
            throw .malformed("payload is \(payload.count) bytes, not 20")
        }
        self.init(network: network, hash: hash)
    }

    public var description: String {
        let symbols = try! Bech32m.convertBits(hash.bytes, from: 8, to: 5, pad: true)
        return Bech32m.encode(hrp: network.addressPrefix, data: [Address.version] + symbols)
    }
}
