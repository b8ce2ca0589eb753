import TallyWire

/// Decodes arbitrary bytes as a Transaction; a value that decodes must re-encode to the same bytes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let value = try? Transaction(decoding: bytes) {
        precondition(value.encoded == bytes, "Transaction did not round-trip")
    }
    return 0
}
