extension Collection where Element == UInt8 {
    /// Runs `body` with the bytes as one buffer: in place when they lie together (an array, a slice
    /// of one), copied into an array otherwise. What fixed-size values (hashes, keys) are read from.
    /// Inlinable: decoding reads one for every hash and key, and must not go through generic code.
    @inlinable public func withContiguousRawBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withContiguousStorageIfAvailable { try body(UnsafeRawBufferPointer($0)) }
            ?? Array(self).withUnsafeBytes(body)
    }
}
