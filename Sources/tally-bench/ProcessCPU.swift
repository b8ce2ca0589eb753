import Foundation

/// CPU time the kernel charged to processes, from each thread's `/proc/PID/task/TID/schedstat`
/// (nanoseconds on a CPU): what the nodes spent, to the microsecond, whoever waited for whom.
enum ProcessCPU {
    /// Nanoseconds on a CPU so far of every live thread of `pids`, by "PID/TID".
    static func threads(_ pids: Set<Int32>) -> [String: Int] {
        var spent: [String: Int] = [:]
        for pid in pids {
            for task in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? [] {
                let stat = try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/schedstat", encoding: .utf8)
                spent["\(pid)/\(task)"] = stat?.split(separator: " ").first.flatMap { Int($0) } ?? 0
            }
        }
        return spent
    }

    /// Nanoseconds spent between two readings by the threads alive at the second. A thread that
    /// exited in between (Dispatch ends idle workers) counts nothing: its time can no longer be
    /// read, and leaving it out of a sum of the process would take away its whole life's time.
    static func spent(from before: [String: Int], to after: [String: Int]) -> Int {
        after.reduce(0) { sum, thread in sum + thread.value - (before[thread.key] ?? 0) }
    }
}
