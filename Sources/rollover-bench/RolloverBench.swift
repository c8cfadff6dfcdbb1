import ArgumentParser

/// Measurements and load tools for the store. Not part of the product; `scripts/bench-store` runs the benchmark.
@main
struct RolloverBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollover-bench",
        abstract: "Benchmarks and load tools for Rollover's store.",
        subcommands: [StoreBenchmark.self, WriteUntilKilled.self])
}
