import TallyNet
import Testing

/// Ports people type: 1 to 65535, 0 only where any free port is meant, never wrapped or clamped.
@Suite struct HostPortTests {
    @Test func portsInRangeAreTakenAndOthersRefused() {
        #expect(Port.parse("1") == 1)
        #expect(Port.parse("65535") == 65_535)
        #expect(Port.parse("08733") == 8_733)
        #expect(Port.parse("0") == nil)
        #expect(Port.parse("0", allowingAny: true) == 0)
        // 65,536 would wrap to 0 in a UInt16(truncatingIfNeeded:), 70,000 to 4,464, 2^32 + 80 to 80.
        for bad in ["65536", "70000", "99999", "4294967376", "-1", "+80", " 80", "80 ", "8o", "", "٣٣"] {
            #expect(Port.parse(bad) == nil, "\(bad)")
            #expect(Port.parse(bad, allowingAny: true) == nil, "\(bad)")
        }
        #expect(Port.isValid(65_535) && !Port.isValid(65_536) && !Port.isValid(0) && !Port.isValid(-1))
        #expect(Port.isValid(0, allowingAny: true))
    }

    @Test func hostAndPortAreSplitAndCheckedTogether() throws {
        let plain = try HostPort(parsing: "127.0.0.1:18733")
        #expect(plain.host == "127.0.0.1" && plain.port == 18_733)
        let v6 = try HostPort(parsing: "[::1]:8733")
        #expect(v6.host == "::1" && v6.port == 8_733 && v6.description == "[::1]:8733")
        #expect(try HostPort(parsing: "127.0.0.1:0", allowingAnyPort: true).port == 0)

        #expect(throws: HostPort.Problem.portOutOfRange("127.0.0.1:0", allowingAny: false)) {
            try HostPort(parsing: "127.0.0.1:0")
        }
        #expect(throws: HostPort.Problem.portOutOfRange("127.0.0.1:65536", allowingAny: true)) {
            try HostPort(parsing: "127.0.0.1:65536", allowingAnyPort: true)
        }
        for text in ["nowhere", "127.0.0.1", ":8733", "127.0.0.1:", "[]:8733"] {
            #expect(throws: HostPort.Problem.notHostPort(text)) { try HostPort(parsing: text) }
        }
        #expect(splitHostPort("localhost:99999") == nil)
        #expect(splitHostPort("localhost:8733").map { $0.host == "localhost" && $0.port == 8_733 } == true)
        #expect("\(HostPort.Problem.portOutOfRange("h:0", allowingAny: false))".contains("1 to 65535"))
    }
}
