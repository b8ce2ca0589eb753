import Foundation
import TallyCrypto
import TallyTestSupport
import TallyWire
import Testing

/// `tallyd --http`: every endpoint of openapi.json called on a running node, each answer checked
/// against the document's schema for its status; every kind of bad input answered with a 4xx and a
/// clear message; `/metrics` parsed as Prometheus text.
@Suite(.serialized) struct HTTPAPITests {
    static let document = OpenAPIDocument.load()
    let miner = TestChain.key(21), payee = TestChain.key(22)

    /// A regtest node mining to `miner`'s address with the HTTP server on a free port.
    func startNode(_ name: String, extra: [String] = []) throws -> (TestNode, HTTPTestClient) {
        let node = try TestNode(name)
        let port = try freePort()
        try node.start(
            [
                "--http", "127.0.0.1:\(port)", "--reward-address",
                Address(network: .regtest, hash: TestChain.address(miner)).description,
            ] + extra)
        let http = HTTPTestClient(port: port, document: Self.document)
        // tallyd opens the HTTP port after the P2P one that `start` waits for: on a loaded machine the
        // first request could come before it listens.
        try waitUntil("the HTTP API answers", timeout: 20) { (try? http.json("GET", "/api/chain")) != nil }
        return (node, http)
    }

    @Test func everyEndpointAnswersAsTheDocumentSays() throws {
        let (node, http) = try startNode("api", extra: ["--mine", "--threads", "1", "--mine-interval", "0"])
        do { try endpoints(node, http) } catch {
            try? node.log.write(toFile: "/tmp/tally/crash.log", atomically: true, encoding: .utf8)
            throw error
        }
    }

    func endpoints(_ node: TestNode, _ http: HTTPTestClient) throws {
        let maturity = Int(Network.regtest.parameters.coinbaseMaturity)
        try waitUntil("a mature coinbase, indexed", timeout: 60) {
            try http.json("GET", "/api/chain")["indexedHeight"] as? Int ?? 0 > maturity + 2
        }
        let chain = try http.json("GET", "/api/chain")
        #expect(chain["network"] as? String == "regtest" && chain["mining"] as? Bool == true)
        // Regtest sits at its limit (about 2 hashes a block); the spacing covers the last 30 blocks.
        #expect(chain["nextBits"] as? String == "207fffff" && chain["recentBlocks"] as? Int == 30)
        #expect((chain["hashesPerBlock"] as? Double).map { $0 > 1.9 && $0 < 2.1 } == true, "\(chain)")
        #expect((chain["meanSpacing"] as? Double).map { $0 >= 0 && $0 < 60 } == true, "\(chain)")

        // Blocks, a page at a time: newest first, and the next page starts where this one stopped.
        let page = try http.json("GET", "/api/blocks?limit=5")
        let blocks = try #require(page["blocks"] as? [[String: Any]])
        let heights = blocks.compactMap { $0["height"] as? Int }
        #expect(heights.count == 5 && heights == heights.sorted(by: >) && Set(heights).count == 5)
        let nextBefore = try #require(page["nextBefore"] as? Int)
        #expect(nextBefore == heights.last)
        let second = try http.json("GET", "/api/blocks?before=\(nextBefore)&limit=3")
        #expect(
            (second["blocks"] as? [[String: Any]])?.compactMap { $0["height"] as? Int } == [
                nextBefore - 1, nextBefore - 2, nextBefore - 3,
            ])

        // One block, by height and by hash.
        let one = try http.json("GET", "/api/blocks/1")
        let hash = try #require(one["hash"] as? String)
        #expect(try http.json("GET", "/api/blocks/\(hash)")["height"] as? Int == 1)
        #expect(one["active"] as? Bool == true && one["nextHash"] != nil)
        let coinbaseID = try #require((one["transactions"] as? [[String: Any]])?.first?["txid"] as? String)
        let coinbase = try http.json("GET", "/api/transactions/\(coinbaseID)")
        #expect(coinbase["coinbase"] as? Bool == true && coinbase["blockHash"] as? String == hash)
        let reward = try #require((coinbase["outputs"] as? [[String: Any]])?.first?["amount"] as? Int)

        // A signed payment, submitted as hex while mining is off: in the mempool; mined once mining
        // is back on; then on both addresses.
        #expect(try http.json("POST", "/api/mining", body: ["enabled": false])["mining"] as? Bool == false)
        #expect(try http.json("GET", "/api/mining")["mining"] as? Bool == false)
        let payment = Transaction(
            inputs: [
                TxInput(outpoint: OutPoint(txid: Hash256(hex: coinbaseID)!, index: 0), publicKey: miner.publicKey)
            ],
            outputs: [
                TxOutput(amount: 7 * ChainParameters.coin, address: TestChain.address(payee)),
                TxOutput(amount: UInt64(reward) - 7 * ChainParameters.coin - 10_000, address: TestChain.address(miner)),
            ]
        )
        .signed(with: [miner], parameters: Network.regtest.parameters)
        let submitted = try http.json("POST", "/api/transactions", body: ["hex": Hex.encode(payment.encoded)])
        #expect(submitted["txid"] as? String == "\(payment.txid)")
        let pooled = try http.json("GET", "/api/transactions/\(payment.txid)")
        #expect(
            pooled["inMempool"] as? Bool == true && pooled["fee"] as? Int == 10_000
                && pooled["confirmations"] as? Int == 0)
        let mempool = try http.json("GET", "/api/mempool")
        #expect(mempool["count"] as? Int == 1 && mempool["bytes"] as? Int == payment.size)
        #expect((mempool["transactions"] as? [[String: Any]])?.first?["txid"] as? String == "\(payment.txid)")
        let resumed = try http.json("POST", "/api/mining", body: ["enabled": true, "threads": 1])
        #expect(resumed["mining"] as? Bool == true && resumed["threads"] as? Int == 1)
        try waitUntil("the payment mined and indexed", timeout: 30) {
            let tx = try http.json("GET", "/api/transactions/\(payment.txid)")
            let indexed = try http.json("GET", "/api/chain")["indexedHeight"] as? Int ?? 0
            return tx["inMempool"] as? Bool == false && (tx["height"] as? Int ?? .max) <= indexed
        }
        _ = try http.json("POST", "/api/mining", body: ["enabled": false])
        // A count of blocks: exactly that many, then the miner stops by itself.
        let before = try #require(try http.json("GET", "/api/chain")["height"] as? Int)
        let counted = try http.json("POST", "/api/mining", body: ["enabled": true, "threads": 1, "blocks": 2])
        #expect(counted["mining"] as? Bool == true)
        try waitUntil("two blocks mined, then no more", timeout: 30) {
            try http.json("GET", "/api/mining")["mining"] as? Bool == false
        }
        Thread.sleep(forTimeInterval: 0.5)
        #expect(try http.json("GET", "/api/chain")["height"] as? Int == before + 2)
        let mined = try http.json("GET", "/api/transactions/\(payment.txid)")
        #expect(mined["fee"] as? Int == 10_000 && (mined["confirmations"] as? Int ?? 0) >= 1)
        #expect((mined["inputs"] as? [[String: Any]])?.first?["amount"] as? Int == reward)
        #expect(
            try http.json("GET", "/api/transactions/\(coinbaseID)")["outputs"].flatMap {
                ($0 as? [[String: Any]])?.first?["spentBy"] as? String
            }
                == "\(payment.txid)")
        let payeeAddress = Address(network: .regtest, hash: TestChain.address(payee)).description
        let payeeInfo = try http.json("GET", "/api/addresses/\(payeeAddress)")
        #expect(
            payeeInfo["balance"] as? Int == 7 * Int(ChainParameters.coin) && payeeInfo["transactionCount"] as? Int == 1)
        #expect((payeeInfo["history"] as? [[String: Any]])?.first?["change"] as? Int == 7 * Int(ChainParameters.coin))
        let minerAddress = Address(network: .regtest, hash: TestChain.address(miner)).description
        var minerHistory: [[String: Any]] = []
        for offset in stride(from: 0, to: 3_000, by: 100)
        where !minerHistory.contains(where: { $0["txid"] as? String == "\(payment.txid)" }) {
            minerHistory +=
                try http.json("GET", "/api/addresses/\(minerAddress)?offset=\(offset)&limit=100")["history"]
                as? [[String: Any]] ?? []
        }
        #expect(
            minerHistory.contains {
                $0["txid"] as? String == "\(payment.txid)"
                    && $0["change"] as? Int == -(7 * Int(ChainParameters.coin) + 10_000)
            })
        #expect(
            try http.json("GET", "/api/addresses/\(minerAddress)?offset=1&limit=2")["history"].map {
                ($0 as? [Any])?.count
            } == 2)

        // Search names each kind.
        #expect(try http.json("GET", "/api/search?q=1")["id"] as? String == hash)
        #expect(try http.json("GET", "/api/search?q=\(hash)")["kind"] as? String == "block")
        #expect(try http.json("GET", "/api/search?q=\(payment.txid)")["kind"] as? String == "transaction")
        #expect(try http.json("GET", "/api/search?q=\(payeeAddress)")["kind"] as? String == "address")

        // Peers: add one, see it, drop it.
        let friend = try TestNode("api-friend")
        try friend.start()
        #expect(
            try http.json("POST", "/api/peers", body: ["address": friend.target], expect: 202)["address"] as? String
                == friend.target)
        try waitUntil("the friend listed", timeout: 15) {
            (try http.json("GET", "/api/peers")["peers"] as? [[String: Any]])?.contains {
                $0["address"] as? String == friend.target
            } == true
        }
        #expect(try http.json("DELETE", "/api/peers/\(friend.target)")["disconnected"] as? Int ?? 0 >= 1)
        try waitUntil("the friend gone", timeout: 10) {
            (try http.json("GET", "/api/peers")["peers"] as? [[String: Any]])?.isEmpty == true
        }

        // Mining stays off while off.
        let stopped = try http.json("GET", "/api/chain")["height"] as? Int
        Thread.sleep(forTimeInterval: 0.5)
        #expect(try http.json("GET", "/api/chain")["height"] as? Int == stopped)

        // Metrics, as Prometheus text.
        let metrics = try PrometheusText(parsing: try http.text("/metrics", contentType: "text/plain"))
        for name in [
            "tally_height", "tally_peers", "tally_mempool_transactions", "tally_mempool_bytes", "tally_hash_rate",
            "tally_blocks_relayed_total", "tally_transactions_relayed_total", "tally_reorganisations_total",
            "tally_bans_total",
        ] {
            #expect(metrics.value(name) != nil, "\(name) missing from /metrics")
        }
        #expect(metrics.type("tally_bans_total") == "counter" && metrics.type("tally_height") == "gauge")
        #expect(metrics.value("tally_height") ?? 0 >= Double(stopped ?? 0))
        #expect(metrics.value("tally_p2p_bytes_total", labels: ["direction": "in"]) ?? 0 > 0)
        #expect(metrics.value("tally_p2p_bytes_total", labels: ["direction": "out"]) ?? 0 > 0)

        // The page and its files, and the document itself.
        #expect(try http.text("/", contentType: "text/html").contains("<html"))
        _ = try http.text("/app.js", contentType: "text/javascript")
        _ = try http.text("/style.css", contentType: "text/css")
        #expect(try http.json("GET", "/openapi.json")["openapi"] as? String == "3.0.3")

        let missed = Self.document.operations.subtracting(http.exercised)
        #expect(missed.isEmpty, "operations never called: \(missed.sorted())")
    }

    @Test func badInputGetsA4xxWithAClearMessage() throws {
        let (node, http) = try startNode("api-errors")
        _ = node
        let zeros = String(repeating: "0", count: 64)
        let cases: [(String, String, Any?, Int, String)] = [
            ("GET", "/api/blocks/12x", nil, 400, "not a block hash or height"),
            ("GET", "/api/blocks/\(String(repeating: "g", count: 64))", nil, 400, "64 hex digits"),
            ("GET", "/api/blocks/4000000000", nil, 404, "no block at height"),
            ("GET", "/api/blocks/\(zeros)", nil, 404, "no block"),
            ("GET", "/api/blocks?limit=0", nil, 400, "'limit' must be"),
            ("GET", "/api/blocks?limit=101", nil, 400, "'limit' must be"),
            ("GET", "/api/blocks?limit=ten", nil, 400, "'limit' must be"),
            ("GET", "/api/blocks?before=0", nil, 400, "'before' must be"),
            ("GET", "/api/transactions/abc", nil, 400, "not a txid"),
            ("GET", "/api/transactions/\(zeros)", nil, 404, "no transaction"),
            ("POST", "/api/transactions", "{not json", 400, "malformed JSON"),
            ("POST", "/api/transactions", ["hex": 5], 400, "'hex' has the wrong type"),
            ("POST", "/api/transactions", [String: Any](), 400, "'hex' is missing"),
            ("POST", "/api/transactions", ["hex": "zz"], 400, "hex digits"),
            ("POST", "/api/transactions", ["hex": "00"], 400, "not a transaction"),
            (
                "POST", "/api/transactions", ["hex": Hex.encode(Self.unfundedPayment(from: miner).encoded)], 422,
                "not accepted"
            ),
            ("POST", "/api/transactions", nil, 400, "a JSON body is required"),
            ("GET", "/api/addresses/tally1nope", nil, 400, "not a regtest address"),
            (
                "GET", "/api/addresses/\(Address(network: .main, hash: TestChain.address(payee)))", nil, 400,
                "not a regtest address"
            ),
            (
                "GET", "/api/addresses/\(Address(network: .regtest, hash: TestChain.address(payee)))?offset=-1", nil,
                400, "'offset' must be"
            ),
            ("POST", "/api/peers", ["address": "nowhere"], 400, "not host:port"),
            ("POST", "/api/peers", ["host": "127.0.0.1"], 400, "'address' is missing"),
            ("POST", "/api/peers", ["address": "127.0.0.1:70000"], 400, "a port is 1 to 65535"),
            ("POST", "/api/peers", ["address": "127.0.0.1:0"], 400, "a port is 1 to 65535"),
            ("POST", "/api/peers", ["address": "127.0.0.1:-80"], 400, "a port is 1 to 65535"),
            ("DELETE", "/api/peers/127.0.0.1:1", nil, 404, "no peer"),
            ("DELETE", "/api/peers/127.0.0.1:65536", nil, 400, "a port is 1 to 65535"),
            ("POST", "/api/mining", ["enabled": "yes"], 400, "wrong type"),
            ("POST", "/api/mining", ["enabled": true, "threads": 0], 400, "'threads' must be 1 to 64"),
            ("POST", "/api/mining", ["enabled": true, "blocks": 0], 400, "'blocks' must be 1 to 1000"),
            ("GET", "/api/search?q=", nil, 400, "must be a height"),
            ("GET", "/api/search?q=%21%21%21", nil, 400, "is not a height"),
            ("GET", "/api/search?q=\(zeros)", nil, 404, "no block or transaction"),
            ("GET", "/api/search?q=99999", nil, 404, "no block at height"),
            ("GET", "/api/nothing", nil, 404, "no such endpoint"),
            ("DELETE", "/api/chain", nil, 405, "not allowed"),
            ("PUT", "/api/mining", "{}", 405, "not allowed"),
        ]
        for (method, path, body, status, fragment) in cases {
            let answer = try http.request(method, path, body: body)
            #expect(answer.status == status, "\(method) \(path): \(answer.status) \(answer.text)")
            let message =
                (try? JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: Any])?["error"] as? String
                ?? ""
            #expect(message.contains(fragment), "\(method) \(path): '\(message)' does not say '\(fragment)'")
        }
        // An oversize body is refused before it is read whole, and the server goes on serving.
        let huge = try http.request("POST", "/api/transactions", raw: [UInt8](repeating: 0x20, count: 3_000_000))
        #expect(huge.status == 413, "\(huge.status) \(huge.text)")
        #expect(try http.json("GET", "/api/chain")["height"] as? Int == 0)
        // And nothing was taken into the mempool by any of it.
        #expect(try http.json("GET", "/api/mempool")["count"] as? Int == 0)
    }

    /// Well formed and signed, but its input does not exist.
    static func unfundedPayment(from key: Ed25519.PrivateKey) -> Transaction {
        Transaction(
            inputs: [
                TxInput(
                    outpoint: OutPoint(txid: Hash256(w0: 1, w1: 2, w2: 3, w3: 4), index: 0), publicKey: key.publicKey)
            ],
            outputs: [TxOutput(amount: 5_000, address: TestChain.address(key))]
        )
        .signed(with: [key], parameters: Network.regtest.parameters)
    }
}
