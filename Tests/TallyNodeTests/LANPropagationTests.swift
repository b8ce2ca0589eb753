import Foundation
import Testing

/// `scripts/lan propagation` in small: 20 hosts, 3 blocks of 100 payments every mempool already
/// holds, then 3 single payments (about 40 s with debug binaries). Checks the report's keys, that every host ended on one tip in one
/// connected network, and bounds that hold for today's full blocks on a loaded CI machine with debug
/// binaries — not the targets of issue #14 (those are for `scripts/lan propagation 100` in
/// release). Root only, like the rest of `LANTests`.
extension LANTests {
    static var bench: URL { Tallyd.binary.deletingLastPathComponent().appendingPathComponent("tally-bench") }
    static var hasBench: Bool { FileManager.default.isExecutableFile(atPath: bench.path) }

    @Test(
        .enabled(
            if: LANTests.canMakeNamespaces && LANTests.hasNftables && LANTests.hasBench,
            "needs root, nftables and tally-bench built beside tallyd"))
    func blocksAndPaymentsReachTwentyHosts() throws {
        let directory = try temporaryDirectory("lan-propagation")
        defer { Self.tearDown(directory) }
        let started = Date()
        let result = try Self.run(
            ["propagation", "20", "--blocks", "3", "--transactions", "100", "--singles", "3", "--json"],
            directory: directory,
            environment: ["BENCH": Self.bench.path])
        let seconds = Date().timeIntervalSince(started)
        #expect(result.status == 0, "\(result.output)")
        let line = result.output.split(separator: "\n").last { $0.hasPrefix("{") }.map(String.init) ?? ""
        let report = try #require(
            try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(result.output)")
        print("propagation, 20 hosts, 3 blocks of 100 payments (\(Int(seconds)) s): \(line)")

        for key in [
            "hosts", "blocks", "blockToAllP50Ms", "blockToAllMaxMs", "txToAllMaxMs", "bytesPerNodePerBlock",
            "peakMemoryMiB",
        ] {
            #expect(report[key] is NSNumber, "\(key) missing from \(line)")
        }
        let number = { (key: String) in (report[key] as? NSNumber)?.doubleValue ?? -1 }
        #expect(number("hosts") == 20 && number("blocks") == 3)
        #expect(report["sameTip"] as? Bool == true, "\(line)")
        #expect(report["connected"] as? Bool == true, "\(line)")
        // Premined chain, then exactly the three blocks.
        #expect(number("finalHeight") > 100)
        // Debug nodes sharing a busy CI machine: generous, but a block or payment that stalls (a
        // 10 s download timeout, a lost announcement) fails.
        #expect(number("blockToAllP50Ms") > 0 && number("blockToAllP50Ms") <= number("blockToAllMaxMs"))
        #expect(number("blockToAllMaxMs") < 8_000, "\(line)")
        #expect(number("txToAllMaxMs") > 0 && number("txToAllMaxMs") < 8_000, "\(line)")
        // Compact blocks: every node but the miner receives at least each block's short ids (6
        // bytes a payment; a mean over the 20 includes the miner's nothing), and far less than a
        // full copy of the payments from each of its peers.
        let payments = 100 * number("paymentBytes")
        #expect(number("bytesPerNodePerBlock") >= 0.8 * 100 * 6, "\(line)")
        #expect(number("bytesPerNodePerBlock") < 4 * payments, "\(line)")
        #expect(number("peakMemoryMiB") > 10 && number("peakMemoryMiB") < 512, "\(line)")

        // Torn down: no namespace of this LAN is left.
        let names = try LANTests.namespaces()
        #expect(!names.contains("tally-lan-"), "\(names)")
    }
}
