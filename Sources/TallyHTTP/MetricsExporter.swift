import Metrics
import Prometheus
import TallyNode

/// `/metrics`: the counters the node and its network keep through swift-metrics, plus gauges read
/// from the node at each scrape, in the Prometheus text format (swift-prometheus).
final class MetricsExporter: Sendable {
    private let registry: PrometheusCollectorRegistry
    private let height, bestHeaderHeight, indexedHeight, peers, mempoolTransactions, mempoolBytes, hashRate,
        mining: Metrics.Gauge

    /// Installs Prometheus as the process's metrics backend; call once, before the node's network
    /// starts (its counters bind to the backend on first use).
    static func bootstrap() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
        height = Metrics.Gauge(label: "tally_height")
        bestHeaderHeight = Metrics.Gauge(label: "tally_best_header_height")
        indexedHeight = Metrics.Gauge(label: "tally_indexed_height")
        peers = Metrics.Gauge(label: "tally_peers")
        mempoolTransactions = Metrics.Gauge(label: "tally_mempool_transactions")
        mempoolBytes = Metrics.Gauge(label: "tally_mempool_bytes")
        hashRate = Metrics.Gauge(label: "tally_hash_rate")
        mining = Metrics.Gauge(label: "tally_mining")
    }

    func render(node: Node, indexedHeight indexed: Int64) -> HTTPResponse {
        let summary = node.summary()
        height.record(summary.height)
        bestHeaderHeight.record(summary.bestHeaderHeight)
        indexedHeight.record(indexed)
        peers.record(node.network?.readyPeerCount ?? 0)
        mempoolTransactions.record(summary.mempoolCount)
        mempoolBytes.record(summary.mempoolBytes)
        hashRate.record(summary.hashRate)
        mining.record(summary.mining ? 1 : 0)
        return HTTPResponse(
            status: .ok, contentType: "text/plain; version=0.0.4; charset=utf-8", body: registry.emitToBuffer())
    }
}
