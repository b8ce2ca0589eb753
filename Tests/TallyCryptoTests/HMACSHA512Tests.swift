import TallyCrypto
import TallyTestSupport
import Testing

/// RFC 4231 section 4, the HMAC-SHA-512 lines of test cases 1–7 (case 5's MAC is given truncated to
/// 128 bits). The empty-key case is from Python `hmac.new(b"", b"", hashlib.sha512).hexdigest()`.
@Suite struct HMACSHA512Tests {
    static let aa131 = String(repeating: "aa", count: 131)

    @Test(
        "RFC 4231 HMAC-SHA-512",
        arguments: [
            (
                "1", String(repeating: "0b", count: 20), "4869205468657265",
                "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
                    + "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854"
            ),
            (
                "2", "4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
                "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
                    + "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"
            ),
            (
                "3", String(repeating: "aa", count: 20), String(repeating: "dd", count: 50),
                "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39"
                    + "bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb"
            ),
            (
                "4", "0102030405060708090a0b0c0d0e0f10111213141516171819", String(repeating: "cd", count: 50),
                "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3db"
                    + "a91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd"
            ),
            (
                "6", aa131,
                "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b6579202d2048617368204b6579204669727374",
                "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
                    + "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598"
            ),
            (
                "7", aa131,
                "5468697320697320612074657374207573696e672061206c6172676572207468"
                    + "616e20626c6f636b2d73697a65206b657920616e642061206c61726765722074"
                    + "68616e20626c6f636b2d73697a6520646174612e20546865206b6579206e6565"
                    + "647320746f20626520686173686564206265666f7265206265696e6720757365"
                    + "642062792074686520484d414320616c676f726974686d2e",
                "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944"
                    + "b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58"
            ),
        ])
    func rfc4231(testCase: String, key: String, data: String, mac: String) throws {
        #expect(try HMACSHA512.authenticate(bytes(data), key: bytes(key)) == bytes(mac), "test case \(testCase)")
    }

    @Test func rfc4231Case5Truncated() throws {
        let mac = try HMACSHA512.authenticate(
            Array("Test With Truncation".utf8), key: [UInt8](repeating: 0x0c, count: 20))
        #expect(Array(mac.prefix(16)) == bytes("415fad6271580a531d4179bc891d87a6"))
    }

    @Test func emptyKeyAndMessage() throws {
        #expect(
            try HMACSHA512.authenticate([], key: [])
                == bytes(
                    "b936cee86c9f87aa5d3c6f2e84cb5a4239a5fe50480a6ec66b70ab5b1f4ac673"
                        + "0c6c515421b327ec1d69402e53dfb49ad7381eb067b338fd7b0cb22247225d47"))
    }
}
