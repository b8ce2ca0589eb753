import TallyWire

/// The first byte chooses what the rest is fed to:
///
/// - `0x00 … 0x7F`, payload mode: byte % 23 picks one of the 22 known commands (in the order of
///   `MessageCodec.knownCommands`) for `MessageCodec.decodePayload`, or (22) the UDP discovery
///   announcement decoder. What decodes must re-encode to exactly the input bytes.
/// - `0x80 … 0xFF`, stream mode: the rest is a byte stream, possibly several frames, fed to
///   `MessageCodec.decodeFrame` frame after frame until it needs more bytes or throws. Bit 0 picks the
///   network (main, regtest). With bit 6 set, each frame's checksum is first rewritten to the right
///   value, so that mutated payloads reach the payload decoders through the frame decoder (a fuzzer
///   cannot find SHA256d preimages). Every frame that decodes must re-encode to exactly its bytes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let mode = data[0]
    var bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))

    if mode & 0x80 == 0 {
        let commands = MessageCodec.knownCommands
        let choice = Int(mode) % (commands.count + 1)
        if choice == commands.count {
            if let announcement = try? DiscoveryAnnouncement(decoding: bytes, network: .main) {
                precondition(announcement.encoded == bytes, "announcement did not round-trip")
            }
            return 0
        }
        if let message = try? MessageCodec.decodePayload(command: commands[choice], payload: bytes) {
            precondition(message.command == commands[choice], "\(commands[choice]) decoded as \(message.command)")
            precondition(message.payload == bytes, "\(commands[choice]) payload did not round-trip")
        }
        return 0
    }

    let codec = MessageCodec(network: mode & 1 == 0 ? .main : .regtest)
    if mode & 0x40 != 0 { fixChecksums(&bytes) }
    var offset = 0
    while let frame = try? codec.decodeFrame(bytes, at: offset) {
        precondition(
            frame.byteCount >= MessageHeader.size && offset + frame.byteCount <= bytes.count, "frame size out of bounds"
        )
        precondition(
            codec.encode(frame.message) == Array(bytes[offset..<(offset + frame.byteCount)]),
            "\(frame.message.command) frame did not round-trip")
        offset += frame.byteCount
    }
    return 0
}

/// Writes the right checksum into every complete frame of the stream (by the lengths its envelopes
/// announce); the rest of each envelope is left as it is.
private func fixChecksums(_ bytes: inout [UInt8]) {
    var offset = 0
    while bytes.count - offset >= MessageHeader.size {
        let length = (0..<4).reduce(0) { $0 | Int(bytes[offset + 16 + $1]) << (8 * $1) }
        let start = offset + MessageHeader.size
        guard bytes.count - start >= length else { return }
        let checksum = MessageHeader.checksum(of: Array(bytes[start..<(start + length)]))
        for i in 0..<4 { bytes[offset + 20 + i] = UInt8(truncatingIfNeeded: checksum >> (8 * i)) }
        offset = start + length
    }
}
