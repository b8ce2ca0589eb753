import Foundation
import Testing

/// A real `tallyd` mining on regtest with two threads: it keeps finding blocks, logs its hash rate,
/// and SIGTERM stops it within a second with a store that checks out consistent.
/// TALLY_MINING_SECONDS sets how long it mines (60 for the full run; CI uses the default).
@Suite(.serialized) struct MiningNodeTests {
    @Test func minesLogsItsRateAndStopsPromptlyOnSigterm() throws {
        let seconds = Double(ProcessInfo.processInfo.environment["TALLY_MINING_SECONDS"] ?? "") ?? 8
        let directory = try temporaryDirectory("mining")
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = directory.appendingPathComponent("tallyd.log")
        let node = try Tallyd.start(
            [
                "--regtest", "--datadir", directory.appendingPathComponent("data").path, "--mine", "--threads", "2",
                "--mine-interval", "0.2", "--log-level", "info",
            ], log: log)
        var heights: [Int] = []
        let started = Date()
        while Date().timeIntervalSince(started) < seconds {
            Thread.sleep(forTimeInterval: seconds / 4)
            heights.append(Self.lastHeight(in: try String(contentsOf: log, encoding: .utf8)))
        }
        let stopping = Date()
        node.terminate()  // SIGTERM
        node.waitUntilExit()
        let stopSeconds = Date().timeIntervalSince(stopping)

        let output = try String(contentsOf: log, encoding: .utf8)
        #expect(node.terminationStatus == 0)
        #expect(stopSeconds < 1, "took \(stopSeconds) s to stop")
        #expect(output.contains("hashrate"))
        #expect(output.contains("stopped at tip"))
        // Blocks kept coming: every quarter of the run saw the height grow.
        #expect(zip(heights, heights.dropFirst()).allSatisfy { $0 < $1 }, "heights \(heights)")
        let check = try Tallyd.run([
            "check", "--regtest", "--datadir", directory.appendingPathComponent("data").path, "--json",
        ])
        #expect(check.status == 0)
        #expect(check.output.contains(#""consistent":true"#), "\(check.output)")
    }

    static func lastHeight(in log: String) -> Int {
        log.split(separator: "\n").reversed().lazy.compactMap { line -> Int? in
            guard let range = line.range(of: "] block ") else { return nil }
            return Int(line[range.upperBound...].prefix { $0.isNumber })
        }.first ?? 0
    }
}
