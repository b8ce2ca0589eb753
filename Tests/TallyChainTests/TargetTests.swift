import TallyChain
import TallyCrypto
import TallyWire
import Testing

@Suite struct TargetTests {
    @Test func decodesBitcoinsGenesisBits() throws {
        let target = try #require(Target.decode(bits: 0x1d00_ffff))
        #expect(target == UInt256(0xffff) << 208)
        #expect(Target.encode(target) == 0x1d00_ffff)
    }

    @Test func workOfBitcoinsGenesisTargetIs4295032833() throws {
        // Bitcoin's block 0 has chainwork 0x100010001.
        #expect(Target.work(of: try #require(Target.decode(bits: 0x1d00_ffff))) == UInt256(0x1_0001_0001))
    }

    @Test func rejectsNegativeZeroAndOverflowingBits() {
        #expect(Target.decode(bits: 0x0480_0001) == nil)  // sign bit
        #expect(Target.decode(bits: 0x2000_0000) == nil)  // zero mantissa
        // Zero after the small exponent's shift (found by fuzz-peer: its work overflowed and trapped).
        #expect(Target.decode(bits: 0x0100_3456) == nil)
        #expect(Target.decode(bits: 0x0200_0056) == nil)
        #expect(Target.decode(bits: 0xff12_3456) == nil)  // beyond 2^256
        #expect(Target.decode(bits: 0x2100_ffff) != nil)  // 0xffff << 240 still fits
    }

    @Test func smallExponentsShiftTheMantissaRight() {
        #expect(Target.decode(bits: 0x0112_3456) == UInt256(0x12))
        #expect(Target.decode(bits: 0x0212_3456) == UInt256(0x1234))
        #expect(Target.decode(bits: 0x0312_3456) == UInt256(0x12_3456))
        #expect(Target.encode(UInt256(0x12)) == 0x0112_0000)
        #expect(Target.encode(UInt256(0x80)) == 0x0200_8000)  // mantissa sign bit avoided
    }

    @Test func regtestLimitIsAboutTwoHashesOfWork() throws {
        let work = Target.work(of: try #require(Target.decode(bits: 0x207f_ffff)))
        #expect(work == UInt256(2))
    }

    @Test func uint256ArithmeticAgreesWithSmallNumbers() {
        let a = UInt256(0xffff_ffff_ffff_ffff, 1)
        #expect(a + UInt256(1) == UInt256(0, 2))
        #expect(UInt256(0, 2) - UInt256(1) == a)
        #expect((UInt256(1) << 200) >> 199 == UInt256(2))
        #expect(UInt256(1_000_000) / UInt256(7) == UInt256(142_857))
        #expect(UInt256(bigEndian: a.bigEndianBytes) == a)
        #expect(UInt256(5).multipliedReportingOverflow(by: 3) == UInt256(15))
        #expect((UInt256(1) << 255).multipliedReportingOverflow(by: 2) == nil)
    }
}

@Suite struct SubsidyTests {
    @Test func halvesEvery150BlocksOnRegtest() {
        let p = ChainParameters.regtest
        #expect(Subsidy.amount(height: 1, parameters: p) == 50 * ChainParameters.coin)
        #expect(Subsidy.amount(height: 149, parameters: p) == 50 * ChainParameters.coin)
        #expect(Subsidy.amount(height: 150, parameters: p) == 25 * ChainParameters.coin)
        #expect(Subsidy.amount(height: 299, parameters: p) == 25 * ChainParameters.coin)
        #expect(Subsidy.amount(height: 300, parameters: p) == 1_250_000_000)
        #expect(Subsidy.amount(height: 150 * 63, parameters: p) == (50 * ChainParameters.coin) >> 63)
        #expect(Subsidy.amount(height: 150 * 64, parameters: p) == 0)
    }

    @Test func halvesEvery210000BlocksOnMain() {
        let p = ChainParameters.main
        #expect(Subsidy.amount(height: 209_999, parameters: p) == 5_000_000_000)
        #expect(Subsidy.amount(height: 210_000, parameters: p) == 2_500_000_000)
        #expect(Subsidy.amount(height: 420_000, parameters: p) == 1_250_000_000)
    }

    @Test func totalSupplyStaysBelowMaximumMoney() {
        var total: UInt64 = 0
        var height: UInt32 = 0
        while true {
            let amount = Subsidy.amount(height: height, parameters: .main)
            if amount == 0 { break }
            total += amount * 210_000
            height += 210_000
        }
        #expect(total <= ChainParameters.maximumMoney)
        #expect(total > ChainParameters.maximumMoney - ChainParameters.coin)
    }
}
