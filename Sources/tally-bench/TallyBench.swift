import ArgumentParser
import Foundation
import TallyCommandLine
import TallyWire

@main
struct TallyBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tally-bench",
        abstract:
            "Tally's benchmarks. Build with -c release; figures are ratios against a reference measured in the same run.",
        version: TallyVersion.current,
        subcommands: [
            Validate.self, Hash.self, StopLatency.self, NetworkBench.self, MempoolBench.self, Propagation.self,
        ])

    static func main() { CommandRunner.main(Self.self) }
}

/// Prints a report as one JSON object with sorted keys (what `--json` gives).
func printJSON<T: Encodable>(_ report: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    print(String(decoding: try encoder.encode(report), as: UTF8.self))
}

/// Seconds elapsed since `start`, on the monotonic clock.
func elapsedSeconds(since start: DispatchTime) -> Double {
    Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
}
