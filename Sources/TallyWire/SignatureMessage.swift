import TallyCrypto

/// What an input's Ed25519 signature signs: the ASCII tag "TALLY/tx", the network magic, the genesis
/// block hash and the txid (76 bytes). The txid covers every input's outpoint and public key and
/// every output, so one signature commits to the whole transaction except the signatures; the magic
/// and genesis hash bind it to one network, so it cannot be replayed on another.
public enum SignatureMessage {
    private static let tag = Array("TALLY/tx".utf8)

    public static func bytes(txid: Hash256, parameters: ChainParameters) -> [UInt8] {
        var writer = ByteWriter(capacity: 76)
        writer.write(bytes: tag)
        writer.write(bytes: parameters.network.magic)
        writer.write(parameters.genesisHash)
        writer.write(txid)
        return writer.bytes
    }
}

extension Transaction {
    /// Signs every input with the key for it (`keys[i]` signs input `i`) and returns the signed copy.
    public func signed(with keys: [Ed25519.PrivateKey], parameters: ChainParameters) -> Transaction {
        precondition(keys.count == inputs.count, "one key per input")
        let message = SignatureMessage.bytes(txid: txid, parameters: parameters)
        let signedInputs = zip(inputs, keys).map { input, key in
            TxInput(outpoint: input.outpoint, publicKey: input.publicKey, signature: key.sign(message))
        }
        return Transaction(version: version, inputs: signedInputs, outputs: outputs)
    }
}
