import TallyCrypto

/// The 32 bytes a coinbase input carries where other inputs carry a public key: the block height
/// (which makes every coinbase txid unique), an extra nonce for miners, and a free tag.
public struct CoinbaseData: Hashable, Sendable {
    public var height: UInt32
    public var extraNonce: UInt64
    /// 20 free bytes (a miner's tag); zero-padded.
    public var tag: [UInt8]

    public init(height: UInt32, extraNonce: UInt64 = 0, tag: [UInt8] = []) {
        precondition(tag.count <= 20, "a coinbase tag is at most 20 bytes")
        self.height = height
        self.extraNonce = extraNonce
        self.tag = tag + [UInt8](repeating: 0, count: 20 - tag.count)
    }

    public init(publicKeyField field: [UInt8]) {
        var reader = ByteReader(field)
        height = (try? reader.readUInt32()) ?? 0
        extraNonce = (try? reader.readUInt64()) ?? 0
        tag = (try? reader.readBytes(20)) ?? [UInt8](repeating: 0, count: 20)
    }

    public var publicKeyField: [UInt8] {
        var writer = ByteWriter(capacity: 32)
        writer.write(height)
        writer.write(extraNonce)
        writer.write(bytes: tag)
        return writer.bytes
    }
}

extension Transaction {
    /// A coinbase transaction paying `outputs`, for the block at `data.height`.
    public static func coinbase(_ data: CoinbaseData, outputs: [TxOutput]) -> Transaction {
        Transaction(inputs: [TxInput(outpoint: .null, publicKey: data.publicKeyField)], outputs: outputs)
    }

    /// The coinbase data, if this is a coinbase.
    public var coinbaseData: CoinbaseData? {
        isCoinbase ? CoinbaseData(publicKeyField: inputs[0].publicKey) : nil
    }
}
