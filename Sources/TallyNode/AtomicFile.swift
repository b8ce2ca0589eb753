import Foundation

/// Writes a file so that a crash at any instant leaves either the old content or the new, never a
/// mix: temporary file, fsync, rename over the target, fsync of the directory.
public enum AtomicFile {
    public static func write(_ bytes: [UInt8], to url: URL, permissions: mode_t = 0o600) throws {
        let temporary = url.path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, permissions)
        guard fd >= 0 else { throw posixError("open \(temporary)") }
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
            guard n > 0 else {
                close(fd)
                throw posixError("write \(temporary)")
            }
            written += n
        }
        guard fsync(fd) == 0 else {
            close(fd)
            throw posixError("fsync \(temporary)")
        }
        close(fd)
        guard rename(temporary, url.path) == 0 else { throw posixError("rename to \(url.path)") }
        let directory = open(url.deletingLastPathComponent().path, O_RDONLY)
        if directory >= 0 {
            fsync(directory)
            close(directory)
        }
    }

    /// Gives a file another process or library finished writing (SQLite's `VACUUM INTO`) its final
    /// name durably: its bytes are flushed before the rename, so the name never points at a file a
    /// crash could leave half written, and the directory is flushed after, so the rename itself
    /// survives a crash. `rename(2)` replaces an existing `target` atomically.
    public static func publish(_ finished: URL, as target: URL) throws {
        try synchronize(finished.path)
        guard rename(finished.path, target.path) == 0 else { throw posixError("rename to \(target.path)") }
        try synchronize(target.deletingLastPathComponent().path)
    }

    /// fsync of a file or a directory, opened read-only: Linux flushes through any descriptor.
    private static func synchronize(_ path: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw posixError("open \(path)") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw posixError("fsync \(path)") }
    }

    private static func posixError(_ what: String) -> Error {
        NSError(
            domain: NSPOSIXErrorDomain, code: Int(errno),
            userInfo: [NSLocalizedDescriptionKey: "\(what): \(String(cString: strerror(errno)))"])
    }
}
