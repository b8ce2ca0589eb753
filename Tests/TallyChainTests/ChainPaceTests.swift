import TallyChain
import TallyTestSupport
import TallyWire
import Testing

@Suite struct ChainPaceTests {
    let main = ChainParameters.main

    func header(time: UInt32, bits: UInt32) -> BlockHeader {
        BlockHeader(version: 1, previousBlockHash: .zero, merkleRoot: .zero, time: time, bits: bits, nonce: 0)
    }

    @Test func spacingAndImpliedHashRateOverTheWindow() {
        // 41 blocks at the genesis bits (2^24 + 2^8 + 1 hashes each, about), 12 s apart; the pace
        // covers the last 30 intervals only.
        let start: UInt32 = 1_800_000_000
        let headers = (0...40).map { header(time: start + 12 * UInt32($0), bits: 0x1e00_ffff) }
        let pace = ChainPace(headers: headers, tipHeight: 40, parameters: main)
        let work = Target.work(of: Target.decode(bits: 0x1e00_ffff)!).approximated
        #expect(pace.blocks == 30)
        #expect(pace.meanSpacing == 12)
        #expect(
            pace.impliedHashRate.map { abs($0 - work / 12) < 1 } == true,
            "\(String(describing: pace.impliedHashRate))")
        #expect(pace.hashesPerBlock > 0)
        // 12 s against a 10 s spacing: the next block is a little easier than the tip.
        #expect(Target.decode(bits: 0x1e00_ffff)! < Target.decode(bits: pace.nextBits)!)
        #expect(
            pace.nextBits
                == Difficulty.requiredBits(
                    height: 41, parentBits: 0x1e00_ffff, parentTime: start + 480,
                    grandparentTime: start + 468, parameters: main))
    }

    @Test func aShortChainAndTimesThatGoBack() {
        let genesis = main.genesis.header
        let alone = ChainPace(headers: [genesis], tipHeight: 0, parameters: main)
        #expect(alone.blocks == 0 && alone.meanSpacing == nil && alone.impliedHashRate == nil)
        #expect(
            ChainPace(
                headers: [genesis, header(time: genesis.time + 99, bits: genesis.bits)], tipHeight: 1,
                parameters: main
            ).meanSpacing == nil)
        #expect(alone.nextBits == genesis.bits)
        // R3 lets a block be dated before its parent: no hash rate from a span that is not positive.
        let back = ChainPace(
            headers: [header(time: 100, bits: 0x1e00_ffff), header(time: 90, bits: 0x1e00_ffff)],
            tipHeight: 5, parameters: main)
        #expect(back.blocks == 1 && back.meanSpacing == -10 && back.impliedHashRate == nil)
    }

    @Test func theIntervalFromGenesisDoesNotCount() {
        let genesis = main.genesis.header
        let late = genesis.time + 31_536_000
        let headers = [genesis] + (0..<5).map { header(time: late + 10 * UInt32($0), bits: 0x1e00_ffff) }
        let pace = ChainPace(headers: headers, tipHeight: 5, parameters: main)
        #expect(pace.blocks == 4 && pace.meanSpacing == 10)
    }

    @Test func theBlockIndexWalkMatchesTheHeaders() throws {
        let builder = try TestChain()
        let blocks = try builder.mine(40)
        let fromIndex = ChainPace(tip: builder.chain.tip, parameters: .regtest)
        let fromHeaders = ChainPace(headers: blocks.suffix(31).map(\.header), tipHeight: 40, parameters: .regtest)
        #expect(fromIndex == fromHeaders && fromIndex.blocks == 30)
        // Regtest sits at its limit: about 2 hashes a block.
        #expect(fromIndex.nextBits == 0x207f_ffff && fromIndex.hashesPerBlock > 1.9 && fromIndex.hashesPerBlock < 2.1)
    }
}
