import Foundation
import TallyChain
import TallyNet
import TallyWire
import Testing

/// One real `tallyd` on main, mining with one thread from an empty chain, started today: years
/// after the genesis time, as any network is.
///
/// In CI, 45 s: the first blocks carry the genesis bits, and there are few of them (under an
/// anchor at genesis such a node made hundreds of blocks a minute at the limit). With
/// TALLY_MAIN_NODE=1 (TALLY_MAIN_TALLYD: another binary, e.g. a release build) it runs until
/// block 100 (40 minutes at most) and checks the spacing of blocks 61–100 and the hash rate their
/// work implies against the one the miner logs.
@Suite struct MainNodeTests {
    static var long: Bool { ProcessInfo.processInfo.environment["TALLY_MAIN_NODE"] == "1" }
    static var binary: URL {
        ProcessInfo.processInfo.environment["TALLY_MAIN_TALLYD"].map { URL(fileURLWithPath: $0) } ?? Tallyd.binary
    }

    @Test func aFreshMainNodeMinesFromTheGenesisBitsAtItsOwnPace() throws {
        let parameters = ChainParameters.main
        let node = try TestNode("main", network: .main)
        try node.start(["--mine", "--threads", "1"], binary: Self.binary)
        defer { node.stop() }
        let started = Date()
        let seconds: TimeInterval = Self.long ? 40 * 60 : 20
        while Date().timeIntervalSince(started) < seconds, !(Self.long && node.height() >= 100) {
            Thread.sleep(forTimeInterval: 1)
        }
        let elapsed = Date().timeIntervalSince(started)
        let client = try node.client()
        defer { client.close() }
        let headers = [parameters.genesis.header] + (try client.headers(after: [parameters.genesisHash]))
        let height = headers.count - 1

        // Blocks 1 and 2 carry the genesis bits, every block the bits of the rule, none the limit's.
        for h in 1..<headers.count {
            let required = Difficulty.requiredBits(
                height: UInt32(h), parentBits: headers[h - 1].bits, parentTime: headers[h - 1].time,
                grandparentTime: headers[max(h - 2, 0)].time, parameters: parameters)
            #expect(headers[h].bits == required, "block \(h)")
            if h <= 2 { #expect(headers[h].bits == parameters.genesis.header.bits, "block \(h)") }
        }
        // Blocks at the genesis bits take 2^24 hashes: a few seconds each on one thread even with SHA-NI.
        #expect(Double(height) < elapsed, "\(height) blocks in \(elapsed) s")
        let rates = Self.loggedHashRates(node.log)
        #expect(!rates.isEmpty, "the miner logs its hash rate")
        guard Self.long else { return }

        try #require(height >= 100, "height \(height) after \(elapsed) s")
        let mean = Double(headers[100].time - headers[60].time) / 40
        #expect(mean >= 7 && mean <= 14, "blocks 61-100: \(mean) s apart")
        let work = headers[61...100].reduce(0.0) { $0 + Target.work(of: Target.decode(bits: $1.bits)!).approximated }
        let implied = work / Double(headers[100].time - headers[60].time)
        let window = Double(headers[60].time)...Double(headers[100].time)
        let logged = rates.filter { window.contains($0.time) }.map(\.rate)
        try #require(!logged.isEmpty)
        let loggedMean = logged.reduce(0, +) / Double(logged.count)
        #expect(abs(implied / loggedMean - 1) <= 0.25, "implied \(implied) H/s, logged \(loggedMean) H/s")
        print(
            "main node: blocks 61-100 \(mean) s apart; implied \(implied) H/s, logged \(loggedMean) H/s; "
                + "block 60 after \(headers[60].time - headers[1].time) s, block 100 after \(elapsed) s")
    }

    /// The `hashrate N H/s` lines tallyd logs every 5 s, with their Unix times.
    static func loggedHashRates(_ log: String) -> [(time: Double, rate: Double)] {
        let format = DateFormatter()
        format.locale = Locale(identifier: "en_US_POSIX")
        format.dateFormat = "yyyy-MM-dd'T'HH:mm:ssZ"
        return log.split(separator: "\n").compactMap { line in
            let words = line.split(separator: " ")
            guard let at = words.firstIndex(of: "hashrate"), at + 2 < words.count, words[at + 2] == "H/s",
                let rate = Double(words[at + 1]), let first = words.first, let date = format.date(from: String(first))
            else { return nil }
            return (date.timeIntervalSince1970, rate)
        }
    }
}
