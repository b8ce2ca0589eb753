import Foundation
import TallyWire

/// A file of blocks, each as a little-endian UInt32 length and the block's bytes: what
/// `tallyd export-blocks` writes and `tallyd import-blocks` reads (a bootstrap file).
public enum BlockFile {
    public static func write(_ blocks: [Block], to url: URL) throws {
        var writer = ByteWriter(capacity: blocks.count * 256)
        for block in blocks {
            let bytes = block.encoded
            writer.write(UInt32(bytes.count))
            writer.write(bytes: bytes)
        }
        try Data(writer.bytes).write(to: url, options: .atomic)
    }

    public static func read(_ url: URL) throws -> [Block] {
        var reader = ByteReader([UInt8](try Data(contentsOf: url)))
        var blocks: [Block] = []
        while reader.remaining > 0 {
            let length = Int(try reader.readUInt32())
            guard length <= Block.maximumSize else { throw WireError.invalidValue("block of \(length) bytes in file") }
            blocks.append(try Block(decoding: try reader.readBytes(length)))
        }
        return blocks
    }
}
