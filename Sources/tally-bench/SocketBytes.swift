import Foundation

/// Bytes the kernel sent on TCP connections between given processes (`ss`'s `bytes_sent`, from
/// TCP_INFO): what crossed the wire between nodes, whatever the nodes themselves count, and
/// nothing of a connection with any other process (the benchmark's own client).
enum SocketBytes {
    /// Sum of `bytes_sent` over the established sockets of `pids` whose other end also belongs to
    /// one of `pids`.
    static func sentBetween(_ pids: Set<Int32>) throws -> Int {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["ss", "-tinpH", "state", "established"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        // Each socket is a line with its endpoints and owner, then an indented line with its counters.
        var sockets: [(local: String, remote: String, pid: Int32?, sent: Int)] = []
        for line in output.split(separator: "\n") {
            let words = line.split(whereSeparator: \.isWhitespace)
            if line.first?.isWhitespace == false, words.count >= 4 {
                let pid = line.range(of: "pid=").flatMap { Int32(line[$0.upperBound...].prefix { $0.isNumber }) }
                sockets.append((String(words[2]), String(words[3]), pid, 0))
            } else if let counter = words.first(where: { $0.hasPrefix("bytes_sent:") }), !sockets.isEmpty {
                sockets[sockets.count - 1].sent = Int(counter.dropFirst("bytes_sent:".count)) ?? 0
            }
        }
        let owner = Dictionary(sockets.compactMap { s in s.pid.map { (s.local, $0) } }) { first, _ in first }
        return sockets.filter { socket in
            guard let pid = socket.pid, pids.contains(pid), let other = owner[socket.remote] else { return false }
            return pids.contains(other)
        }.reduce(0) { $0 + $1.sent }
    }
}
