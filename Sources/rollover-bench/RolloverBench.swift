import ArgumentParser

/// Measurements and load tools. Not part of the product; `scripts/bench-store` runs the store benchmark, `scripts/bench`
/// uses `populate` and `inspect-pfx`.
@main
struct RolloverBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollover-bench",
        abstract: "Benchmarks and load tools for Rollover's store.",
        subcommands: [StoreBenchmark.self, WriteUntilKilled.self, Populate.self, InspectPFX.self])
}
