import Foundation

/// CPU time the kernel charged to processes, from each thread's `/proc/PID/task/TID/schedstat`
/// (nanoseconds on a CPU): what the nodes spent, to the microsecond, whoever waited for whom.
enum ProcessCPU {
    /// Nanoseconds on a CPU so far, summed over every live thread of `pids` (0 for one that has
    /// exited).
    static func nanoseconds(_ pids: Set<Int32>) -> Int {
        pids.reduce(0) { sum, pid in
            let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
            return tasks.reduce(sum) { sum, task in
                let stat = try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/schedstat", encoding: .utf8)
                return sum + (stat?.split(separator: " ").first.flatMap { Int($0) } ?? 0)
            }
        }
    }
}
