import TallyCrypto
import TallyTestSupport
import Testing

@Suite struct HexTests {
    @Test func encodeIsLowercaseInGivenOrder() {
        #expect(Hex.encode([UInt8]()) == "")
        #expect(Hex.encode([0x00]) == "00")
        #expect(Hex.encode([0x01, 0xAB, 0xCD, 0xEF, 0x10, 0xFF]) == "01abcdef10ff")
        #expect(Hex.encode([UInt8](0...255)).count == 512)
        #expect(Hex.encode([UInt8](0...15)) == "000102030405060708090a0b0c0d0e0f")
        // Any sequence works, e.g. a reversed view.
        #expect(Hex.encode([UInt8]([1, 2, 3]).reversed()) == "030201")
    }

    @Test func decode() {
        #expect(Hex.decode("") == [])
        #expect(Hex.decode("00ff7f80") == [0x00, 0xFF, 0x7F, 0x80])
        #expect(Hex.decode("DEADBEEF") == [0xDE, 0xAD, 0xBE, 0xEF])
        #expect(Hex.decode("DeAdBeEf") == [0xDE, 0xAD, 0xBE, 0xEF])
        #expect(
            Hex.decode("0123456789abcdefABCDEF") == [0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF, 0xAB, 0xCD, 0xEF])
    }

    @Test(
        "Hex.decode rejects",
        arguments: ["0", "abc", "0g", "g0", "zz", " 00", "00 ", "0x00", "-1", "é0", "0:", "@0", "`0", "G0"])
    func decodeRejects(text: String) {
        #expect(Hex.decode(text) == nil)
    }

    @Test func roundTripAllBytes() {
        let all = [UInt8](0...255)
        #expect(Hex.decode(Hex.encode(all)) == all)
        #expect(Hex.decode(Hex.encode(all).uppercased()) == all)
    }
}
