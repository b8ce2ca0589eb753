import Testing
import TallyChain
import TallyWire

@Suite struct DifficultyTests {
    let main = ChainParameters.main
    var genesisTime: UInt32 { main.genesis.header.time }
    var genesisTarget: UInt256 { Target.decode(bits: main.genesis.header.bits)! }

    func target(height: UInt32, parentTime: UInt32) -> UInt256 {
        Target.decode(bits: Difficulty.requiredBits(height: height, parentTime: parentTime, parameters: main))!
    }

    @Test func onScheduleKeepsTheGenesisTarget() {
        #expect(Difficulty.requiredBits(height: 1, parentTime: genesisTime, parameters: main) == main.genesis.header.bits)
        #expect(Difficulty.requiredBits(height: 101, parentTime: genesisTime + 1_000, parameters: main) == main.genesis.header.bits)
    }

    @Test func oneHalfLifeAheadHalvesTheTargetAndBehindDoublesIt() {
        let ahead = target(height: 11, parentTime: genesisTime)            // 100 s ahead of schedule
        let behind = target(height: 1, parentTime: genesisTime + 100)      // 100 s behind
        // Compact encoding keeps 23 bits of mantissa: compare within that precision.
        #expect(ahead == genesisTarget >> 1 || (genesisTarget >> 1) - ahead < genesisTarget >> 22)
        #expect(behind == genesisTarget << 1 || (genesisTarget << 1) - behind < genesisTarget >> 21)
    }

    @Test func neverEasierThanTheLimitNorZero() {
        let limit = Target.decode(bits: main.powLimitBits)!
        #expect(target(height: 1, parentTime: genesisTime + 1_000_000) == limit)
        #expect(!target(height: 1_000_000, parentTime: genesisTime).isZero)
    }

    @Test func regtestIsFixed() {
        #expect(Difficulty.requiredBits(height: 500, parentTime: 0, parameters: .regtest) == 0x207f_ffff)
    }

    /// Simulates a chain whose hash power steps up (or down) 10× and counts the blocks until the
    /// mean interval over 20 blocks is back within 30 % of the 10 s spacing. Block times come from
    /// a seeded generator drawing from the exponential distribution the real process follows.
    func blocksToSettle(step: Double, seed: UInt64) -> Int {
        var random = SplitMix(seed: seed)
        let limit = Target.decode(bits: main.powLimitBits)!
        // Hash power that finds a genesis-target block every 10 s on average.
        let baseRate = target(height: 1, parentTime: genesisTime).toDouble()
        var time = Double(genesisTime)
        var times: [Double] = []
        var height: UInt32 = 1
        var hashPower = 1.0
        let stepAt: UInt32 = 300
        var intervals: [Double] = []
        while height < 1_000 {
            if height == stepAt { hashPower = step }
            let t = target(height: height, parentTime: UInt32(time))
            #expect(!(limit < t))
            let expected = 10.0 * baseRate / t.toDouble() / hashPower
            let interval = -expected * log(1 - random.nextUnit())
            time += interval
            times.append(time)
            if height >= stepAt { intervals.append(interval) }
            if intervals.count >= 20 {
                let window = intervals.suffix(20)
                let mean = window.reduce(0, +) / 20
                if abs(mean - 10) / 10 < 0.3 { return intervals.count - 20 }
            }
            height += 1
        }
        return Int.max
    }

    @Test(arguments: [10.0, 0.1])
    func aTenfoldHashPowerStepSettlesWithinFiftyBlocks(step: Double) {
        let results = (1...20).map { blocksToSettle(step: step, seed: UInt64($0)) }.sorted()
        let median = results[results.count / 2]
        #expect(median <= 50, "median blocks to settle \(median), all: \(results)")
    }
}

extension UInt256 {
    func toDouble() -> Double {
        var value = 0.0
        for byte in bigEndianBytes { value = value * 256 + Double(byte) }
        return value
    }
}

/// A small deterministic generator, so the simulation gives the same answer on every run.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    mutating func nextUnit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}

import Foundation
