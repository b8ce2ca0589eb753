import TallyCrypto
import TallyWire

/// The coins a block spent, serialized so the block can be disconnected later.
public enum UndoRecord {
    public static func encode(_ spent: [(OutPoint, Coin)]) -> [UInt8] {
        var writer = ByteWriter(capacity: 8 + spent.count * 70)
        writer.writeCompactSize(spent.count)
        for (outpoint, coin) in spent {
            writer.write(outpoint.txid)
            writer.write(outpoint.index)
            writer.write(coin.output.amount)
            writer.write(coin.output.address)
            writer.write(coin.height)
            writer.write(UInt8(coin.isCoinbase ? 1 : 0))
        }
        return writer.bytes
    }

    public static func decode(_ bytes: [UInt8]) throws(WireError) -> [(OutPoint, Coin)] {
        var reader = ByteReader(bytes)
        let count = try reader.readCount(minimumItemSize: 69)
        var spent: [(OutPoint, Coin)] = []
        spent.reserveCapacity(count)
        for _ in 0..<count {
            let outpoint = OutPoint(txid: try reader.readHash(), index: try reader.readUInt32())
            let amount = try reader.readUInt64()
            let address = try reader.readAddressHash()
            let height = try reader.readUInt32()
            let isCoinbase = try reader.readUInt8() != 0
            spent.append(
                (
                    outpoint,
                    Coin(output: TxOutput(amount: amount, address: address), height: height, isCoinbase: isCoinbase)
                ))
        }
        try reader.expectEnd()
        return spent
    }
}
