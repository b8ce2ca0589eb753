import ArgumentParser

@main
struct TallyBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tally-bench",
        abstract: "Tally's benchmarks. Build with -c release; figures are ratios against a reference measured in the same run.",
        subcommands: [Validate.self, Hash.self, StopLatency.self, NetworkBench.self])
}
