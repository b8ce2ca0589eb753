import TallyCrypto
import TallyTestSupport
import Testing

/// Expected values: Python `hashlib.pbkdf2_hmac('sha512', password, salt, iterations, length).hex()`.
@Suite struct PBKDF2Tests {
    @Test(
        "PBKDF2-HMAC-SHA512 matches hashlib",
        arguments: [
            (
                "70617373776f7264", "73616c74", 1,
                "867f70cf1ade02cff3752599a3a53dc4af34c7a669815ae5d513554e1c8cf252"
                    + "c02d470a285a0501bad999bfe943c08f050235d7d68b1da55e63f73b60a57fce"
            ),
            (
                "70617373776f7264", "73616c74", 2,
                "e1d9c16aa681708a45f5c7c4e215ceb66e011a2e9f0040713f18aefdb866d53c"
                    + "f76cab2868a39b9f7840edce4fef5a82be67335c77a6068e04112754f27ccf4e"
            ),
            (
                "70617373776f7264", "73616c74", 4096,
                "d197b1b33db0143e018b12f3d1d1479e6cdebdcc97c5c0f87f6902e072f457b5"
                    + "143f30602641b3d55cd335988cb36b84376060ecd532e039b742a239434af2d5"
            ),
            (
                "70617373776f726450415353574f524470617373776f7264",
                "73616c7453414c5473616c7453414c5473616c7453414c5473616c7453414c5473616c74", 4096,
                "8c0511f4c6e597c6ac6315d8f0362e225f3c501495ba23b868c005174dc4ee71"
                    + "115b59f9e60cd9532fa33e0f75aefe30225c583a186cd82bd4daea9724a3d3b8"
            ),
            ("7061737300776f7264", "7361006c74", 4096, "9d9e9c4cd21fe4be24d5b8244c759665"),
            (
                "", "", 1,
                "6d2ecbbbfb2e6dcd7056faf9af6aa06eae594391db983279a6bf27e0eb228614"
                    + "3ab0c996f33ca4b667e945829ea693340f2831797324e5f31df18ed171d18c97"
                    + "1c16b9ee21cbeeb5c58bcf06ab94ec37a4b086f09189ad63e53dd43ab755842d418deb86"
            ),
            // 130 bytes: three blocks, the last one cut; its first 64 bytes are the first row's output.
            (
                "70617373776f7264", "73616c74", 1,
                "867f70cf1ade02cff3752599a3a53dc4af34c7a669815ae5d513554e1c8cf252"
                    + "c02d470a285a0501bad999bfe943c08f050235d7d68b1da55e63f73b60a57fce"
                    + "7b532e206c2967d4c7d2ffa460539fc4d4e5eec70125d74c6c7cf86d25284f29"
                    + "7907fcea1ad214effdbea23e1312084eabb180ab72edbac45ea2a53f5f5b9fe1ec72"
            ),
        ])
    func matchesHashlib(password: String, salt: String, iterations: Int, key: String) throws {
        let out = try PBKDF2.hmacSHA512(
            password: bytes(password), salt: bytes(salt), iterations: iterations,
            keyLength: bytes(key).count)
        #expect(out == bytes(key))
    }

    @Test func badParametersThrow() {
        #expect(throws: CryptoError.self) {
            try PBKDF2.hmacSHA512(password: [1], salt: [2], iterations: 0, keyLength: 64)
        }
        #expect(throws: CryptoError.self) {
            try PBKDF2.hmacSHA512(password: [1], salt: [2], iterations: -5, keyLength: 64)
        }
        #expect(throws: CryptoError.self) {
            try PBKDF2.hmacSHA512(password: [1], salt: [2], iterations: 1, keyLength: 0)
        }
    }
}
