import Foundation
import TallyChain
import TallyWire
import Testing

@Suite struct DifficultyTests {
    let main = ChainParameters.main
    var genesisTime: UInt32 { main.genesis.header.time }
    var genesisBits: UInt32 { main.genesis.header.bits }
    var genesisTarget: UInt256 { Target.decode(bits: genesisBits)! }

    /// The target of a block whose parent has `parentBits` and came `interval` seconds after its own parent.
    func target(height: UInt32 = 100, parentBits: UInt32, interval: Int64) -> UInt256 {
        let grandparentTime = UInt32(Int64(genesisTime) + 1_000_000)
        let bits = Difficulty.requiredBits(
            height: height, parentBits: parentBits,
            parentTime: UInt32(Int64(grandparentTime) + interval),
            grandparentTime: grandparentTime, parameters: main)
        return Target.decode(bits: bits)!
    }

    func within(_ value: UInt256, _ expected: UInt256) -> Bool {
        // Compact bits keep at least 15 bits of mantissa and 2^x is approximated to 1.2e-4.
        let difference = value < expected ? expected - value : value - expected
        return !(expected >> 12 < difference)
    }

    @Test func blocksOneAndTwoCarryTheGenesisBitsWhateverTheirTimes() {
        for height: UInt32 in [1, 2] {
            for (parentTime, grandparentTime) in [
                (genesisTime, genesisTime), (genesisTime + 31_536_000, genesisTime),
                (genesisTime + 1, genesisTime + 31_536_000),
            ] {
                #expect(
                    Difficulty.requiredBits(
                        height: height, parentBits: main.powLimitBits, parentTime: parentTime,
                        grandparentTime: grandparentTime, parameters: main) == genesisBits)
            }
        }
    }

    @Test func anIntervalOnScheduleKeepsTheParentsBits() {
        for bits: UInt32 in [genesisBits, 0x1d12_3456, 0x1f00_8000] {
            #expect(Target.encode(target(parentBits: bits, interval: 10)) == bits)
        }
    }

    @Test func oneHalfLifeAheadHalvesTheTargetAndBehindIsCappedAtSixSpacings() {
        #expect(within(target(parentBits: genesisBits, interval: 10 - 100), genesisTarget >> 1))
        #expect(within(target(parentBits: genesisBits, interval: 10 - 200), genesisTarget >> 2))
        // 60 s counts for 50 s behind schedule: 2^0.5 easier, and no interval counts for more.
        let capped = target(parentBits: genesisBits, interval: 60)
        #expect(within(capped, genesisTarget.multipliedReportingOverflow(by: 1_414_214)! / UInt256(1_000_000)))
        #expect(target(parentBits: genesisBits, interval: 31_536_000) == capped)
        #expect(target(parentBits: genesisBits, interval: 61) == capped)
    }

    @Test func neverEasierThanTheLimitNorZero() {
        let limit = Target.decode(bits: main.powLimitBits)!
        #expect(target(parentBits: main.powLimitBits, interval: 60) == limit)
        #expect(target(parentBits: 0x0300_0001, interval: -100_000) == .one)
        #expect(!target(parentBits: 0x0300_0001, interval: -1_000_000).isZero)
    }

    @Test func regtestIsFixed() {
        #expect(
            Difficulty.requiredBits(
                height: 500, parentBits: 0x207f_ffff, parentTime: 0, grandparentTime: 1_000,
                parameters: .regtest) == 0x207f_ffff)
    }

    /// A dated block 1 moves block 3 by at most one capped step from what an honest one gives.
    @Test func aBlockOneDatedAtGenesisBuysOneCappedStepAtMost() {
        let now = genesisTime + 31_536_000
        let honest = Difficulty.requiredBits(
            height: 3, parentBits: genesisBits, parentTime: now + 10,
            grandparentTime: now, parameters: main)
        let backdated = Difficulty.requiredBits(
            height: 3, parentBits: genesisBits, parentTime: now + 10,
            grandparentTime: genesisTime + 1, parameters: main)
        #expect(honest == genesisBits)
        #expect(Target.decode(bits: backdated)! == target(parentBits: genesisBits, interval: 60))
    }

    // MARK: simulations

    /// Settled within 50 blocks: the blocks after the 50th average 10 s ± 20 %, over the next 50
    /// (the median run: 50 blocks alone vary by about 14 %) and the next 200 (every run).
    func expectSettled(_ runs: [SimulatedChain], after start: Int, _ comment: Comment) {
        let nextFifty = runs.map { $0.meanInterval(from: start + 51, to: start + 100) }.sorted()
        let nextTwoHundred = runs.map { $0.meanInterval(from: start + 51, to: start + 250) }
        #expect(abs(nextFifty[nextFifty.count / 2] - 10) <= 2, "\(comment): blocks +51...+100 average \(nextFifty)")
        #expect(
            nextTwoHundred.allSatisfy { abs($0 - 10) <= 2 },
            "\(comment): blocks +51...+250 average \(nextTwoHundred)")
    }

    @Test func aChainStartedAYearAfterGenesisSettlesWithinFiftyBlocks() {
        // Ten times the hash power the genesis bits need: blocks 1 and 2 take about 1 s.
        let runs = (1...20).map { seed in
            SimulatedChain.run(through: 2 + 250, seed: UInt64(seed), block1Delay: 31_536_000) { _ in 10 }
        }
        expectSettled(runs, after: 2, "a year late, 10× the genesis hash power")
    }

    @Test(arguments: [10.0, 0.1])
    func aTenfoldHashPowerStepSettlesWithinFiftyBlocks(step: Double) {
        let stepAt = 300
        let runs = (1...20).map { seed in
            SimulatedChain.run(through: stepAt + 250, seed: UInt64(seed), block1Delay: 3_600) { height in
                height > stepAt ? step : 1
            }
        }
        expectSettled(runs, after: stepAt, "hash power ×\(step) after block \(stepAt)")
    }

    /// Block 1 dated at genesis + 1 s (R3's lower bound) or 120 s ahead of the clock (R4's upper
    /// bound); every later block honest. The hash power is what the genesis bits need, or twice it.
    @Test(arguments: [1.0, 2.0])
    func aMinerDatingBlockOneCannotSpeedUpTheNextHundredBlocks(hashPower: Double) {
        let year: Double = 31_536_000
        for lie in [SimulatedChain.BlockOneLie.atGenesis, .aheadOfTheClock] {
            let means = (1...20).map { seed in
                SimulatedChain.run(through: 102, seed: UInt64(seed), block1Delay: year, lie: lie) { _ in hashPower }
                    .meanInterval(from: 3, to: 102)
            }
            let mean = means.reduce(0, +) / Double(means.count)
            #expect(mean >= 8, "\(lie): blocks 3...102 average \(mean) s (runs: \(means))")
        }
    }

    @Test func halvingsFallEveryTwentyFourDays() {
        // Two halvings on a chain started a year late with hash power changing now and then.
        let last = 2 * Int(main.halvingInterval)
        let chain = SimulatedChain.run(through: last, seed: 7, block1Delay: 31_536_000) { height in
            [1, 3, 0.5, 2][height / 50_000 % 4]
        }
        let interval = Int(main.halvingInterval)
        for halving in 1...2 {
            let height = halving * interval
            let days = (chain.times[height] - chain.times[height - interval + 1]) / 86_400
            #expect(abs(days - 24.3) < 0.25, "halving \(halving) after \(days) days")
            let coins = 50 * ChainParameters.coin
            #expect(Subsidy.amount(height: UInt32(height - 1), parameters: main) == coins >> (halving - 1))
            #expect(Subsidy.amount(height: UInt32(height), parameters: main) == coins >> halving)
        }
    }
}

/// A main chain mined by simulated hash power against the real difficulty rule. Block times are
/// drawn from the exponential distribution mining follows, from a seeded generator, so every run
/// gives the same answer; header times follow what BlockAssembler does (the clock, or just past the
/// median time past).
struct SimulatedChain {
    enum BlockOneLie { case none, atGenesis, aheadOfTheClock }

    /// Header times by height (genesis at 0).
    var times: [Double]
    var bits: [UInt32]

    /// `hashPower(height)` is in units of the hash rate that finds a genesis-bits block every 10 s.
    static func run(
        through last: Int, seed: UInt64, block1Delay: Double, lie: BlockOneLie = .none,
        hashPower: (Int) -> Double
    ) -> SimulatedChain {
        let parameters = ChainParameters.main
        let genesisTarget = Target.decode(bits: parameters.genesis.header.bits)!.approximated
        var random = SplitMix(seed: seed)
        var headerTimes: [UInt32] = [parameters.genesis.header.time]
        var bits: [UInt32] = [parameters.genesis.header.bits]
        var clock = Double(parameters.genesis.header.time) + block1Delay
        for height in 1...last {
            let required = Difficulty.requiredBits(
                height: UInt32(height), parentBits: bits[height - 1], parentTime: headerTimes[height - 1],
                grandparentTime: headerTimes[max(height - 2, 0)], parameters: parameters)
            let meanInterval = 10 * genesisTarget / Target.decode(bits: required)!.approximated / hashPower(height)
            clock += -meanInterval * log(1 - random.nextUnit())
            let recent = headerTimes.suffix(11).sorted()
            var time = max(UInt32(clock), recent[recent.count / 2] + 1)
            if height == 1 && lie == .atGenesis { time = parameters.genesis.header.time + 1 }
            if height == 1 && lie == .aheadOfTheClock { time = UInt32(clock) + 120 }
            headerTimes.append(time)
            bits.append(required)
        }
        return SimulatedChain(times: headerTimes.map(Double.init), bits: bits)
    }

    /// Mean interval of the blocks `first...last`, each measured from its parent.
    func meanInterval(from first: Int, to last: Int) -> Double {
        (times[last] - times[first - 1]) / Double(last - first + 1)
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
