import Metrics

/// What the network counts for operators (`/metrics`). Counters are made on first use, so the
/// metrics system must be bootstrapped before the network starts; without it they count nothing.
public enum NetworkMetrics {
    static let bytesReceived = Counter(label: "tally_p2p_bytes_total", dimensions: [("direction", "in")])
    static let bytesSent = Counter(label: "tally_p2p_bytes_total", dimensions: [("direction", "out")])
    static let blocksRelayed = Counter(label: "tally_blocks_relayed_total")
    static let transactionsRelayed = Counter(label: "tally_transactions_relayed_total")
    static let bans = Counter(label: "tally_bans_total")

    /// Makes every counter now, so that each is exported (at zero) before its first event.
    public static func register() {
        _ = [bytesReceived, bytesSent, blocksRelayed, transactionsRelayed, bans]
    }
}
