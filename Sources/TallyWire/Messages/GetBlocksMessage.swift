import TallyCrypto

/// `getblocks`: asks for the blocks that follow the first locator hash the receiver has on its active
/// chain, up to and including `hashStop`; answered by an `inv` of at most 500 block hashes (Protocol.md §13.4).
public struct GetBlocksMessage: BlockLocatorPayload {
    public static let command = "getblocks"

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
