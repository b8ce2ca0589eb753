import ArgumentParser
import Foundation
import TallyChain
import TallyMempool
import TallyTestSupport
import TallyWire

/// Mempool acceptance and block templates: N independent payments accepted one by one, then a
/// template built from the full mempool.
struct MempoolBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mempool", abstract: "Mempool acceptance rate and block-template time.")

    @Option(help: "Independent transactions in the mempool.")
    var transactions = 1_000

    @Flag(help: "Print one JSON object.")
    var json = false

    struct Report: Codable {
        let transactions: Int
        let acceptPerSecond: Double
        let templateMilliseconds: Double
        let templateTransactions: Int
    }

    func validate() throws {
        guard (1...200_000).contains(transactions) else {
            throw ValidationError("--transactions must be between 1 and 200,000")
        }
    }

    func run() throws {
        let funding = try Funding(outputs: transactions)
        let payments = (0..<transactions).map { funding.payment($0, to: TestChain.address(TestChain.key(2))) }
        let mempool = Mempool()
        let chain: ChainState = funding.builder.chain
        var started = DispatchTime.now()
        for tx in payments { try mempool.accept(tx, chain: chain, now: funding.builder.now) }
        let acceptSeconds = elapsedSeconds(since: started)
        started = DispatchTime.now()
        let template = mempool.blockTransactions(maximumBytes: Block.maximumSize - 1_000)
        let templateSeconds = elapsedSeconds(since: started)
        let report = Report(
            transactions: transactions, acceptPerSecond: Double(transactions) / acceptSeconds,
            templateMilliseconds: templateSeconds * 1_000, templateTransactions: template.count)
        if json {
            try printJSON(report)
        } else {
            print("accepted \(transactions) tx at \(Int(report.acceptPerSecond)) tx/s")
            print(
                "template of \(template.count) tx from \(transactions) in \(String(format: "%.1f", report.templateMilliseconds)) ms"
            )
        }
    }
}
