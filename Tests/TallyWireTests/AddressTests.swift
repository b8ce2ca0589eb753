import TallyCrypto
import TallyTestSupport
import Testing

@testable import TallyWire

/// BIP-350 test vectors for the generic Bech32m checksum.
@Suite struct Bech32mTests {
    @Test(
        "BIP-350 valid Bech32m strings decode and re-encode in lower case",
        arguments: [
            "A1LQFN3A",
            "a1lqfn3a",
            "an83characterlonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11sg7hg6",
            "abcdef1l7aum6echk45nj3s0wdvt2fg8x9yrzpqzd3ryx",
            "11llllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllludsr8",
            "split1checkupstagehandshakeupstreamerranterredcaperredlc445v",
            "?1v759aa",
        ])
    func valid(text: String) throws {
        let decoded = try Bech32m.decode(text)
        #expect(Bech32m.encode(hrp: decoded.hrp, data: decoded.data) == text.lowercased())
        #expect(decoded.hrp == decoded.hrp.lowercased())
    }

    @Test func validVectorContents() throws {
        let a = try Bech32m.decode("a1lqfn3a")
        #expect(a.hrp == "a")
        #expect(a.data.isEmpty)
        // "l7aum6echk45nj3s0wdvt2fg8x9yrzpq" is the charset backwards: symbols 31, 30, …, 0.
        let abc = try Bech32m.decode("abcdef1l7aum6echk45nj3s0wdvt2fg8x9yrzpqzd3ryx")
        #expect(abc.hrp == "abcdef")
        #expect(abc.data == Array((0...31).reversed()))
        let q = try Bech32m.decode("?1v759aa")
        #expect(q.hrp == "?")
        #expect(q.data.isEmpty)
    }

    @Test(
        "BIP-350 invalid Bech32m strings are rejected",
        arguments: [
            ("\u{20}1xj0phk", Bech32m.DecodingError.invalidCharacter),  // HRP character out of range
            ("\u{7F}1g6xzxy", .invalidCharacter),  // HRP character out of range
            ("\u{80}1vctc34", .invalidCharacter),  // HRP character out of range
            (
                "an84characterslonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11d6pts4",
                .invalidLength
            ),  // overall max length exceeded
            ("qyrz8wqd2c9m", .missingSeparator),  // no separator character
            ("1qyrz8wqd2c9m", .invalidLength),  // empty HRP
            ("y1b0jsk6g", .invalidCharacter),  // invalid data character
            ("lt1igcx5c0", .invalidCharacter),  // invalid data character
            ("in1muywd", .invalidLength),  // too short checksum
            ("mm1crxm3i", .invalidCharacter),  // invalid character in checksum
            ("au1s5cgom", .invalidCharacter),  // invalid character in checksum
            ("M1VUXWEZ", .invalidChecksum),  // checksum calculated with uppercase HRP
            ("16plkw9", .invalidLength),  // empty HRP
            ("1p2gdwpf", .invalidLength),  // empty HRP
        ])
    func invalid(text: String, reason: Bech32m.DecodingError) {
        #expect(throws: reason) { try Bech32m.decode(text) }
    }

    @Test func otherRejections() {
        // Valid Bech32 (BIP-173), not Bech32m: the checksum constant differs.
        #expect(throws: Bech32m.DecodingError.invalidChecksum) { try Bech32m.decode("a12uel5l") }
        #expect(throws: Bech32m.DecodingError.mixedCase) { try Bech32m.decode("A1lqfn3a") }
        #expect(throws: Bech32m.DecodingError.invalidChecksum) { try Bech32m.decode("a1lqfn3q") }
        #expect(throws: Bech32m.DecodingError.invalidChecksum) {
            try Bech32m.decode("abcdef1l7aum6echk45nj3s0wdvt2fg8x9yrzpqzd3ryy")
        }
    }

    @Test func convertBits() throws {
        #expect(try Bech32m.convertBits([0xFF], from: 8, to: 5, pad: true) == [31, 28])
        #expect(try Bech32m.convertBits([0x00, 0x01], from: 8, to: 5, pad: true) == [0, 0, 0, 16])
        #expect(try Bech32m.convertBits([31, 28], from: 5, to: 8, pad: false) == [0xFF])
        // Leftover padding bits must be zero.
        #expect(throws: Bech32m.DecodingError.invalidPadding) {
            try Bech32m.convertBits([31, 29], from: 5, to: 8, pad: false)
        }
        // A whole leftover group is not padding.
        #expect(throws: Bech32m.DecodingError.invalidPadding) {
            try Bech32m.convertBits([31, 28, 0], from: 5, to: 8, pad: false)
        }
        // Values must fit in `from` bits.
        #expect(throws: Bech32m.DecodingError.invalidCharacter) {
            try Bech32m.convertBits([32], from: 5, to: 8, pad: false)
        }
    }
}

/// Expected address strings come from a Python Bech32m encoder written from BIP-350 (checked against
/// the BIP's vectors "a1lqfn3a" and "abcdef1l7aum6echk45nj3s0wdvt2fg8x9yrzpqzd3ryx").
@Suite struct AddressTests {
    static let zero = AddressHash(bytes: [UInt8](repeating: 0, count: 20))!
    static let ascending = AddressHash(bytes: Array(UInt8(0)..<20))!

    @Test(
        "Address strings",
        arguments: [
            (Network.main, false, "tly1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqpnx3vn"),
            (Network.main, true, "tly1qqqqsyqcyq5rqwzqfpg9scrgwpugpzysn3xh56h"),
            (Network.regtest, false, "tlyrt1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqaqjrzj"),
            (Network.regtest, true, "tlyrt1qqqqsyqcyq5rqwzqfpg9scrgwpugpzysnd4rx5k"),
        ])
    func encodeAndParse(network: Network, ascending: Bool, text: String) throws {
        let hash = ascending ? AddressTests.ascending : AddressTests.zero
        let address = Address(network: network, hash: hash)
        #expect(address.description == text)
        let parsed = try Address(parsing: text, network: network)
        #expect(parsed == address)
        #expect(parsed.hash == hash)
        #expect(parsed.network == network)
        // Upper case is allowed as a whole (BIP-173) and means the same address.
        #expect(try Address(parsing: text.uppercased(), network: network) == address)
    }

    @Test func roundTripForKeyHashes() throws {
        for network in Network.allCases {
            for seed in 0..<8 {
                let hash = AddressHash(publicKey: [UInt8](repeating: UInt8(seed), count: 32))
                let address = Address(network: network, hash: hash)
                #expect(address.description.hasPrefix(network.addressPrefix + "1"))
                #expect(try Address(parsing: address.description, network: network) == address)
            }
        }
    }

    @Test func wrongNetwork() {
        #expect(throws: Address.ParseError.wrongNetwork(expected: "tly", found: "tlyrt")) {
            try Address(parsing: "tlyrt1qqqqsyqcyq5rqwzqfpg9scrgwpugpzysnd4rx5k", network: .main)
        }
        #expect(throws: Address.ParseError.wrongNetwork(expected: "tlyrt", found: "tly")) {
            try Address(parsing: "tly1qqqqsyqcyq5rqwzqfpg9scrgwpugpzysn3xh56h", network: .regtest)
        }
        // A valid Bech32m string with a foreign prefix.
        #expect(throws: Address.ParseError.wrongNetwork(expected: "tly", found: "a")) {
            try Address(parsing: "a1lqfn3a", network: .main)
        }
    }

    @Test(
        "Malformed addresses",
        arguments: [
            "tly1qqqqsyqcyq5rqwzqfpg9scrgwpugpzysn3xh56q",  // bad checksum (last symbol changed)
            "tly1qqqqsyqcyq5rqwzqfpg9scrgwpugpzysm3xh56h",  // bad checksum (a data symbol changed)
            "tly1qqqqsyqcyq5rqwzqfpg9scrgwpugpzysN3xh56h",  // mixed case
            "TLY1qqqqsyqcyq5rqwzqfpg9scrgwpugpzysn3xh56h",  // mixed case
            "tly1qqqqsyqcyq5rqwzqfpg9scrgwpugpzys6u490c",  // 19-byte payload
            "tly1qqqqsyqcyq5rqwzqfpg9scrgwpugpzysnzs5fpem8",  // 21-byte payload
            "tly1qqqqsyqcyq5rqwzqfpg9scrgwpugpzysnzs23v9ccrydpk8qarc0sz0zuf3",  // 32-byte payload
            "tly1pqqqsyqcyq5rqwzqfpg9scrgwpugpzysn6cqlhu",  // version 1
            "tly190yesz",  // no data at all
            "tly1qqqqsyqcyq5rqwzqfpg9scrgwpugpzysnqq3247e",  // an extra symbol (5 leftover bits)
            "tly1qqqqsyqcyq5rqwzqfpg9scrgwpugpzy382psj2",  // 19 bytes with non-zero padding bits
            "tly1qqqqsyqcyq5rqwzqfpg9scrgwpugpzysn3xh56",  // truncated
            "tlyqqqqsyqcyq5rqwzqfpg9scrgwpugpzysn3xh56h",  // no separator
            "",
        ])
    func malformed(text: String) {
        let error = #expect(throws: Address.ParseError.self) { try Address(parsing: text, network: .main) }
        guard case .malformed = error else {
            Issue.record("expected .malformed for \(text), got \(String(describing: error))")
            return
        }
    }
}
