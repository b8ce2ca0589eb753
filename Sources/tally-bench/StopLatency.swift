import ArgumentParser
import Dispatch
import Foundation
import TallyChain
import TallyMining
import TallyWire

/// How long after a new tip the last mining worker has left the stale template: the miner runs on
/// every core against a target nothing meets, and the tip "changes" `signals` times.
struct StopLatency: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop-latency",
        abstract: "Time from a new tip until every mining worker has dropped its stale work.")

    @Option(help: "New-tip signals to send.")
    var signals = 1_000

    @Option(help: "Mining threads (default: every core).")
    var threads = ProcessInfo.processInfo.activeProcessorCount

    @Flag(help: "Print one JSON object.")
    var json = false

    struct Report: Codable {
        let threads: Int
        let signals: Int
        let p50Milliseconds: Double
        let p99Milliseconds: Double
        let maxMilliseconds: Double
    }

    func run() throws {
        let coinbase = Transaction.coinbase(
            CoinbaseData(height: 1),
            outputs: [TxOutput(amount: 1, address: AddressHash(bytes: [UInt8](repeating: 0, count: 20))!)])
        // Target 1: no hash meets it, so the workers are always busy hashing.
        let block = Block(
            header: BlockHeader(
                version: 1, previousBlockHash: .zero, merkleRoot: coinbase.wtxid,
                time: 1_795_392_000, bits: 0x0300_0001, nonce: 0), transactions: [coinbase])
        let miner = Miner(threads: threads, hooks: Miner.Hooks(template: { block }, found: { _ in }))
        miner.start()
        Thread.sleep(forTimeInterval: 0.2)
        var latencies: [Double] = []
        for _ in 0..<signals {
            // Let the workers settle into hashing before the next signal.
            Thread.sleep(forTimeInterval: 0.002)
            let started = DispatchTime.now().uptimeNanoseconds
            let generation = miner.newWork()
            while !miner.allWorkersReached(generation) { usleep(20) }
            latencies.append(Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6)
        }
        miner.stop()
        latencies.sort()
        let report = Report(
            threads: threads, signals: signals, p50Milliseconds: latencies[latencies.count / 2],
            p99Milliseconds: latencies[min(latencies.count - 1, latencies.count * 99 / 100)],
            maxMilliseconds: latencies.last!)
        if json {
            try printJSON(report)
        } else {
            print(
                "\(signals) new tips, \(threads) worker(s): stale work dropped after p50 \(String(format: "%.3f", report.p50Milliseconds)) ms, p99 \(String(format: "%.3f", report.p99Milliseconds)) ms, max \(String(format: "%.3f", report.maxMilliseconds)) ms"
            )
        }
    }
}
