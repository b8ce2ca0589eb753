import Foundation
import Logging
import Prometheus
import TallyCrypto
import TallyIndex
import TallyNode

/// `tallyd --http`: the JSON API, the explorer page and `/metrics`, with the chain index that
/// answers transaction and address questions kept in `index.sqlite` beside the chain.
public final class ExplorerServer: Sendable {
    private let server: HTTPServer
    private let indexer: ChainIndexer

    /// Makes Prometheus the process's metrics backend and creates the node's counters: call before
    /// the node and its network start.
    public static func bootstrapMetrics() -> PrometheusCollectorRegistry {
        let registry = MetricsExporter.bootstrap()
        Node.registerMetrics()
        return registry
    }

    public init(node: Node, registry: PrometheusCollectorRegistry, logger: Logger) throws {
        let index = try ChainIndex(path: node.configuration.dataDirectory.appendingPathComponent("index.sqlite").path)
        indexer = ChainIndexer(index: index, source: node, logger: logger)
        let api = ExplorerAPI(
            node: node, indexer: indexer, files: try StaticFiles(), metrics: MetricsExporter(registry: registry))
        server = HTTPServer(router: api.router, logger: logger)
    }

    /// Starts indexing and serving; returns the port bound.
    public func start(host: String, port: Int) throws -> Int {
        indexer.start()
        return try server.start(host: host, port: port)
    }

    public func stop() {
        server.stop()
        indexer.stop()
    }
}

extension Node: IndexSource {
    public func activeHashes(from height: UInt32, count: Int) -> [Hash256] {
        sync { state in
            var hashes: [Hash256] = []
            var next = height
            while hashes.count < count, let entry = state.chain.index.activeEntry(at: next) {
                hashes.append(entry.hash)
                next += 1
            }
            return hashes
        }
    }
}
