import Foundation
import TallyWire

public struct NodeConfiguration: Sendable {
    public var network: Network
    public var dataDirectory: URL
    public var mine = false
    /// Mining worker threads.
    public var miningThreads = ProcessInfo.processInfo.activeProcessorCount
    /// Where mined coins go; nil means the node's own key in the data directory.
    public var rewardAddress: AddressHash?
    /// Pause after each block this node mines, in seconds (regtest's trivial target would otherwise
    /// produce blocks as fast as the disk takes them).
    public var mineInterval: Double
    /// Take a snapshot of the store every this many blocks (0: never), keeping the newest `snapshotKeep`.
    public var snapshotInterval: UInt32 = 1_000
    public var snapshotKeep = 3
    /// Threads that verify signatures while a block connects.
    public var signatureThreads = ProcessInfo.processInfo.activeProcessorCount

    public init(network: Network, dataDirectory: URL) {
        self.network = network
        self.dataDirectory = dataDirectory
        mineInterval = network == .regtest ? 1 : 0
    }

    public static func defaultDataDirectory(for network: Network) -> URL {
        FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".tally").appendingPathComponent(
            network.rawValue)
    }

    public var storePath: String { dataDirectory.appendingPathComponent("chain.sqlite").path }
    public var snapshotDirectory: URL { dataDirectory.appendingPathComponent("snapshots") }
    public var rewardKeyPath: URL { dataDirectory.appendingPathComponent("reward.key") }
}
