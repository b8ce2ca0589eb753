import TallyCrypto

/// Names one output of one transaction.
public struct OutPoint: Hashable, Sendable, CustomStringConvertible {
    public var txid: Hash256
    public var index: UInt32

    public init(txid: Hash256, index: UInt32) {
        self.txid = txid
        self.index = index
    }

    /// The outpoint a coinbase input names: it spends nothing.
    public static let null = OutPoint(txid: .zero, index: .max)

    public var isNull: Bool { self == .null }

    public var description: String { "\(txid):\(index)" }

    /// One word for the hasher (see `Hash256.folded`).
    public func hash(into hasher: inout Hasher) { hasher.combine(txid.folded ^ UInt64(index)) }
}

/// The 20-byte BLAKE2b-160 hash of an Ed25519 public key that an output pays to. Kept inline (two
/// words and a half, wire order little-endian), not in an array: every output and every coin holds
/// one, and an array is a heap allocation each, retained and released on every copy.
public struct AddressHash: Hashable, Sendable {
    public static let size = 20
    private let w0: UInt64, w1: UInt64, w2: UInt32

    public init?<C: Collection>(bytes: C) where C.Element == UInt8 {
        guard bytes.count == AddressHash.size else { return nil }
        self = bytes.withContiguousRawBytes(AddressHash.init(raw:))
    }

    private init(raw: UnsafeRawBufferPointer) {
        w0 = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        w1 = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        w2 = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 16, as: UInt32.self))
    }

    public init(publicKey: [UInt8]) {
        self = BLAKE2b.hash160(publicKey).withUnsafeBytes(AddressHash.init(raw:))
    }

    public init(publicKey: PublicKeyBytes) {
        self = withUnsafeTemporaryAllocation(byteCount: AddressHash.size, alignment: 8) { digest in
            publicKey.withUnsafeBytes { BLAKE2b.hash160($0, into: digest) }
            return AddressHash(raw: UnsafeRawBufferPointer(digest))
        }
    }

    /// The 20 bytes, in order.
    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var words = (w0.littleEndian, w1.littleEndian, w2.littleEndian)
        return try Swift.withUnsafeBytes(of: &words) { try body(UnsafeRawBufferPointer(rebasing: $0[..<Self.size])) }
    }
}

public struct TxInput: Hashable, Sendable {
    public var outpoint: OutPoint
    /// The spender's Ed25519 public key; in a coinbase, the coinbase data instead.
    public var publicKeyBytes: PublicKeyBytes
    /// Ed25519 signature; all zero in a coinbase and before signing.
    public var signatureBytes: SignatureBytes

    public static let encodedSize = 32 + 4 + PublicKeyBytes.size + SignatureBytes.size

    public init(outpoint: OutPoint, publicKeyBytes: PublicKeyBytes, signatureBytes: SignatureBytes = .zero) {
        self.outpoint = outpoint
        self.publicKeyBytes = publicKeyBytes
        self.signatureBytes = signatureBytes
    }

    public init(outpoint: OutPoint, publicKey: [UInt8], signature: [UInt8] = [UInt8](repeating: 0, count: 64)) {
        self.init(
            outpoint: outpoint, publicKeyBytes: PublicKeyBytes(publicKey), signatureBytes: SignatureBytes(signature))
    }

    /// The public key as an array (a copy).
    public var publicKey: [UInt8] {
        get { publicKeyBytes.bytes }
        set { publicKeyBytes = PublicKeyBytes(newValue) }
    }

    /// The signature as an array (a copy).
    public var signature: [UInt8] {
        get { signatureBytes.bytes }
        set { signatureBytes = SignatureBytes(newValue) }
    }
}

public struct TxOutput: Hashable, Sendable {
    /// Base units; 1 coin = 100,000,000 units.
    public var amount: UInt64
    public var address: AddressHash

    public static let encodedSize = 8 + AddressHash.size

    public init(amount: UInt64, address: AddressHash) {
        self.amount = amount
        self.address = address
    }
}

/// A transaction of the UTXO ledger. Immutable: its txid, wtxid and size are computed once.
///
/// - `txid` = SHA256d of the transaction without its signatures, so nobody can change a txid by
///   changing a signature; outpoints name txids.
/// - `wtxid` = SHA256d of all its bytes; the merkle tree is built over wtxids, so a block header
///   commits to every byte of every transaction, signatures included.
public struct Transaction: Hashable, Sendable, WireCodable {
    public let txid: Hash256
    public let wtxid: Hash256
    /// The body in one object: a transaction is copied wherever it goes (mempool entries, blocks
    /// rebuilt from them, the checks, the verifier), and a copy then retains one object, not each
    /// array. The hashes stay inline: scans of many transactions (short ids, merkle roots, mempool
    /// look-ups) read them where the transactions lie, without a visit to each body.
    private final class Body: Sendable {
        let version: UInt32
        let inputs: [TxInput]
        let outputs: [TxOutput]
        let size: Int

        init(version: UInt32, inputs: [TxInput], outputs: [TxOutput], size: Int) {
            self.version = version
            self.inputs = inputs
            self.outputs = outputs
            self.size = size
        }
    }

    private let body: Body

    public var version: UInt32 { body.version }
    public var inputs: [TxInput] { body.inputs }
    public var outputs: [TxOutput] { body.outputs }
    public var size: Int { body.size }

    /// The smallest transaction the rules allow: one input, one output.
    public static let minimumSize = 4 + 1 + TxInput.encodedSize + 1 + TxOutput.encodedSize
    /// The smallest byte string that decodes as a transaction (no inputs, no outputs; invalid by
    /// rule R15, but a decoder's bounds must admit it).
    public static let minimumEncodedSize = 4 + 1 + 1

    private init(version: UInt32, inputs: [TxInput], outputs: [TxOutput], txid: Hash256, wtxid: Hash256, size: Int) {
        self.txid = txid
        self.wtxid = wtxid
        body = Body(version: version, inputs: inputs, outputs: outputs, size: size)
    }

    public init(version: UInt32 = 1, inputs: [TxInput], outputs: [TxOutput]) {
        var withoutSignatures = ByteWriter(capacity: 16 + inputs.count * 68 + outputs.count * 28)
        Transaction.encode(version, inputs, outputs, signatures: false, to: &withoutSignatures)
        var full = ByteWriter(capacity: 16 + inputs.count * TxInput.encodedSize + outputs.count * 28)
        Transaction.encode(version, inputs, outputs, signatures: true, to: &full)
        self.init(
            version: version, inputs: inputs, outputs: outputs, txid: SHA256.doubleHash(withoutSignatures.bytes),
            wtxid: SHA256.doubleHash(full.bytes), size: full.bytes.count)
    }

    private static func encode(
        _ version: UInt32, _ inputs: [TxInput], _ outputs: [TxOutput], signatures: Bool,
        to writer: inout ByteWriter
    ) {
        writer.write(version)
        writer.writeCompactSize(inputs.count)
        for input in inputs {
            writer.write(input.outpoint.txid)
            writer.write(input.outpoint.index)
            input.publicKeyBytes.withUnsafeBytes { writer.write(bytes: $0) }
            if signatures { input.signatureBytes.withUnsafeBytes { writer.write(bytes: $0) } }
        }
        writer.writeCompactSize(outputs.count)
        for output in outputs {
            writer.write(output.amount)
            writer.write(output.address)
        }
    }

    public func encode(to writer: inout ByteWriter) {
        Transaction.encode(version, inputs, outputs, signatures: true, to: &writer)
    }

    /// Decodes a transaction and hashes it where its bytes lie, without encoding it again.
    public init(from reader: inout ByteReader) throws(WireError) {
        let start = reader.offset
        var signatureOffsets: [Int] = []
        let version = try reader.readUInt32()
        let inputCount = try reader.readCount(minimumItemSize: TxInput.encodedSize)
        var inputs: [TxInput] = []
        inputs.reserveCapacity(inputCount)
        for _ in 0..<inputCount {
            let txid = try reader.readHash()
            let index = try reader.readUInt32()
            let publicKey = try reader.readPublicKey()
            signatureOffsets.append(reader.offset)
            let signature = try reader.readSignature()
            inputs.append(
                TxInput(
                    outpoint: OutPoint(txid: txid, index: index), publicKeyBytes: publicKey, signatureBytes: signature))
        }
        let outputCount = try reader.readCount(minimumItemSize: TxOutput.encodedSize)
        var outputs: [TxOutput] = []
        outputs.reserveCapacity(outputCount)
        for _ in 0..<outputCount {
            let amount = try reader.readUInt64()
            let address = try reader.readAddressHash()
            outputs.append(TxOutput(amount: amount, address: address))
        }
        let end = reader.offset
        // txid: every byte but the signatures, hashed in the pieces between them.
        var hasher = SHA256Hasher()
        var cursor = start
        for signature in signatureOffsets + [end] {
            reader.withBytes(cursor..<signature) { hasher.update($0) }
            cursor = signature + 64
        }
        let txid = SHA256.hash(of: hasher.finalize())
        let wtxid = reader.withBytes(start..<end) { SHA256.doubleHash($0) }
        self.init(version: version, inputs: inputs, outputs: outputs, txid: txid, wtxid: wtxid, size: end - start)
    }

    /// A coinbase has exactly one input and that input names the null outpoint.
    public var isCoinbase: Bool { inputs.count == 1 && inputs[0].outpoint.isNull }

    public static func == (lhs: Transaction, rhs: Transaction) -> Bool { lhs.wtxid == rhs.wtxid }
    public func hash(into hasher: inout Hasher) { hasher.combine(wtxid) }
}
