import TallyCrypto

/// `getheaders`: asks for the blocks that follow the first locator hash the receiver has on its active
/// chain, up to and including `hashStop`; answered by a `headers` of at most 2,000 headers (Protocol.md §13.4).
public struct GetHeadersMessage: BlockLocatorPayload {
    public static let command = "getheaders"

    public let version: UInt32
    public let locator: [Hash256]
    public let hashStop: Hash256

    public init(version: UInt32 = UInt32(ProtocolVersion.current), locator: [Hash256], hashStop: Hash256 = .zero) {
        checkCount(locator.count, Self.maximumLocatorCount, Self.command)
        self.version = version
        self.locator = locator
        self.hashStop = hashStop
    }
}
