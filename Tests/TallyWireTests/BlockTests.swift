import TallyCrypto
import TallyTestSupport
import Testing

@testable import TallyWire

@Suite struct BlockTests {
    static let block = Block(header: Fixtures.header, transactions: [Fixtures.coinbase, Fixtures.transaction])
    static let blockHex = Fixtures.headerHex + "02" + Fixtures.coinbaseHex + Fixtures.transactionHex

    @Test func encodesHeaderCountAndTransactions() {
        let encoded = BlockTests.block.encoded
        #expect(encoded == bytes(BlockTests.blockHex))
        #expect(encoded.count == 573)
    }

    @Test func sizeEqualsEncodedLength() {
        #expect(BlockTests.block.size == 573)
        #expect(BlockTests.block.size == BlockTests.block.encoded.count)
        let empty = Block(header: Fixtures.header, transactions: [])
        #expect(empty.size == 81)
        #expect(empty.encoded.count == 81)
        // 253 transactions need a three-byte count.
        let many = Block(header: Fixtures.header, transactions: Array(repeating: Fixtures.coinbase, count: 253))
        #expect(many.size == 80 + 3 + 253 * 166)
        #expect(many.size == many.encoded.count)
    }

    @Test func decodeRoundTrip() throws {
        let decoded = try Block(decoding: bytes(BlockTests.blockHex))
        #expect(decoded == BlockTests.block)
        #expect(decoded.header == Fixtures.header)
        #expect(decoded.transactions.map(\.wtxid) == [Fixtures.coinbase.wtxid, Fixtures.transaction.wtxid])
        #expect(decoded.transactions[1].inputs == Fixtures.inputs)
        #expect(decoded.hash.bytes == bytes(Fixtures.headerHashWire))
        #expect(decoded.encoded == bytes(BlockTests.blockHex))
    }

    @Test func decodeRejectsTrailingAndTruncated() {
        let data = bytes(BlockTests.blockHex)
        #expect(throws: WireError.trailingBytes(1)) { try Block(decoding: data + [0]) }
        let error = #expect(throws: WireError.self) { try Block(decoding: Array(data.dropLast())) }
        guard case .truncated = error else {
            Issue.record("expected .truncated, got \(String(describing: error))")
            return
        }
    }

    @Test func computedMerkleRootIsOverWtxids() {
        // Python: sha256d(wtxid(coinbase) ‖ wtxid(transaction)), wire order.
        let expected = SHA256.doubleHash(bytes(Fixtures.coinbaseWtxidWire) + bytes(Fixtures.wtxidWire))
        #expect(BlockTests.block.computedMerkleRoot == expected)
        #expect(
            BlockTests.block.computedMerkleRoot
                != SHA256.doubleHash(bytes(Fixtures.coinbaseTxidWire) + bytes(Fixtures.txidWire)))
    }
}

@Suite struct MerkleTreeTests {
    /// sha256(bytes([i])) for i in 1...7, wire order (Python hashlib).
    static let leaves: [Hash256] = [
        "4bf5122f344554c53bde2ebb8cd2b7e3d1600ad631c385a5d7cce23c7785459a",
        "dbc1b4c900ffe48d575b5da5c638040125f65db0fe3e24494b76ea986457d986",
        "084fed08b978af4d7d196a7446a86b58009e636b611db16211b65a9aadff29c5",
        "e52d9c508c502347344d8c07ad91cbd6068afc75ff6292f062a09ca381c89e71",
        "e77b9a9ae9e30b0dbdb6f510a264ef9de781501d7b6b92ae89eb059c5ab743db",
        "67586e98fad27da0b9968bc039a1ef34c939b9b8e523a8bef89d478608c5ecf6",
        "ca358758f6d27e6cf45272937977a748fd88391db679ceda7dc7bf1f005ee879",
    ].map(wireHash)

    /// Roots of the first n leaves from a Python implementation of Protocol.md §4 (odd node carried up).
    static let roots: [Int: String] = [
        1: "4bf5122f344554c53bde2ebb8cd2b7e3d1600ad631c385a5d7cce23c7785459a",
        2: "a6f7360e5436faa138234de64eae2fbb0a9df17689f363a55abf07fb455b8469",
        3: "9663c27cd4d77c16e6436734dd1f1fe1f36349b0337f7af05087c05152d9468e",
        4: "def7e74621547cba64b23d23311944a5696c2ee73454dd296dd51c5240837efe",
        5: "8a644f2e0cc24d806a62c777d64cadf4d9e9124310e48158493455f1120b7286",
        6: "dcb43909249ebde8d8fb02f30c836e33519d6a0ecd3cfd80864e6b1ff217382c",
        7: "b10c8f98fbfd2a0e1c7734c11f35256c8af164a23f42ddb838cdb5a183ec6cb1",
    ]

    @Test("Root matches the Python implementation", arguments: 1...7)
    func matchesPython(count: Int) {
        let root = MerkleTree.root(Array(MerkleTreeTests.leaves.prefix(count)))
        #expect(root.bytes == bytes(MerkleTreeTests.roots[count]!))
    }

    @Test func oneLeafIsItsOwnRoot() {
        let a = MerkleTreeTests.leaves[0]
        #expect(MerkleTree.root([a]) == a)
    }

    @Test func twoLeaves() {
        let (a, b) = (MerkleTreeTests.leaves[0], MerkleTreeTests.leaves[1])
        #expect(MerkleTree.root([a, b]) == SHA256.doubleHash(a.bytes + b.bytes))
        #expect(MerkleTree.root([b, a]) != MerkleTree.root([a, b]))
    }

    @Test func oddNodeIsCarriedUpNotDuplicated() {
        let (a, b, c) = (MerkleTreeTests.leaves[0], MerkleTreeTests.leaves[1], MerkleTreeTests.leaves[2])
        let ab = SHA256.doubleHash(a.bytes + b.bytes)
        #expect(MerkleTree.root([a, b, c]) == SHA256.doubleHash(ab.bytes + c.bytes))
        // CVE-2012-2459: Bitcoin's rule would give [a, b, c] and [a, b, c, c] the same root.
        #expect(MerkleTree.root([a, b, c]) != MerkleTree.root([a, b, c, c]))
        #expect(
            MerkleTree.root([a, b, c, c]).bytes
                == bytes("204418add9091da42f10d20f782cce440084612f0f44dfe496028ecf29df588e"))
        let cc = SHA256.doubleHash(c.bytes + c.bytes)
        #expect(MerkleTree.root([a, b, c]) != SHA256.doubleHash(ab.bytes + cc.bytes))
    }

    @Test func fiveLeavesByHand() {
        let l = MerkleTreeTests.leaves
        func node(_ x: Hash256, _ y: Hash256) -> Hash256 { SHA256.doubleHash(x.bytes + y.bytes) }
        // Level 1: ab, cd, e (carried); level 2: abcd, e (carried); level 3: root.
        let expected = node(node(node(l[0], l[1]), node(l[2], l[3])), l[4])
        #expect(MerkleTree.root(Array(l.prefix(5))) == expected)
    }

    @Test func emptyListGivesZero() {
        #expect(MerkleTree.root([]) == .zero)
    }
}
