import Foundation
import NIOCore
import TallyWire

/// The networking settings of one node; defaults are those of Protocol.md §13 and the README.
public struct NetworkConfiguration: Sendable {
    public var network: Network
    /// Listening address; loopback unless the operator asks for more.
    public var bindAddress = "127.0.0.1"
    public var port: Int
    public var discoveryPort: Int
    public var discovery = true
    /// Where discovery announcements go; nil: the broadcast address of the bound interface
    /// (127.255.255.255 on loopback).
    public var discoveryAddress: String?
    public var discoveryInterval: TimeInterval = 3
    /// Peers kept connected whatever happens, reconnected with backoff.
    public var persistentPeers: [String] = []
    public var maximumInbound = 64
    /// Outbound connections the node makes on its own (discovery, addresses learnt).
    public var targetOutbound = 8
    public var handshakeTimeout: TimeInterval = 10
    public var pingInterval: TimeInterval = 30
    public var pingTimeout: TimeInterval = 20
    /// A block asked of a peer and not delivered within this time goes to another peer.
    public var stallTimeout: TimeInterval = 10
    public var banDuration: TimeInterval = 600
    public var banning = true
    /// What one peer's unsent answers may cost (bytes plus `OutputBudget.perWriteCost` per write)
    /// before we stop reading from it and serving it, and the cost below which we start again.
    public var outputBudget = OutputBudget.defaultLimit
    public var outputBudgetResumeAt = OutputBudget.defaultResumeAt
    /// The kernel's send buffer per peer (SO_SNDBUF; Linux doubles it). Left to itself it grows to
    /// 4 MiB (tcp_wmem), which a peer that never reads fills with 125,000 `pong`s, each made by
    /// the node, before the output budget sees one; below a block's size it slows every block
    /// relayed (256 KiB: 20 ms more a hop for a block of 1,000 transactions, `tally-bench network`).
    public var socketSendBuffer = 1 << 20
    /// How long a peer's further work waits once it has had its share of a turn of the event loop
    /// (`PeerFlowHandler.messagesPerTurn` messages, or one large answer). NIO runs every task that
    /// is due before it looks at sockets again, so work continued at once would starve every other
    /// peer; continued a moment later, the loop serves the sockets first. 0 (the fuzzer's, whose
    /// clock does not move) continues in the same turn.
    public var turnPause: TimeInterval = 0.001
    /// Requests (messages the node answers: `ping`, `getheaders`, `getblocks`, `getdata`,
    /// `getaddr`, `mempool`, `getstatus`, `getblocktxn`) a peer may send per second, and in one
    /// burst; past them its reading waits (no penalty). Each answer costs the event loop, and a peer
    /// that never reads absorbs megabytes of small answers in the kernel's buffers before its
    /// output budget sees any (issue #13's flood kept a debug node's loop busy long after it ended).
    /// nil: no limit (the fuzzer's, whose clock does not move).
    public var requestRate: (perSecond: Double, burst: Double)? = (100, 200)
    /// Inventory entries a peer may announce per second, and in one burst (one full `inv`).
    public var inventoryRate: Double = 5_000
    public var inventoryBurst: Double = 50_000
    /// Low-work headers a peer may send (twice a full `headers` message) before each penalty.
    public var lowWorkHeaderAllowance = 4_000
    /// A peer's messages waiting for the chain beyond which we stop reading from it.
    public var maximumPendingWork = 32
    /// Peers asked to push new blocks as compact blocks before validating them (BIP 152's 3).
    public var highBandwidthPeers = 3
    /// Transaction announcements are batched for this long.
    public var relayBatchInterval: TimeInterval = 0.1
    public var userAgent = "/tallyd:0.1/"

    public init(network: Network) {
        self.network = network
        port = Int(network.defaultPort)
        discoveryPort = Int(network.defaultDiscoveryPort)
    }
}
