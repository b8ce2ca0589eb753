import TallyWire

/// Decodes arbitrary bytes as a Block; a value that decodes must re-encode to the same bytes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let value = try? Block(decoding: bytes) {
        precondition(value.encoded == bytes, "Block did not round-trip")
    }
    return 0
}
