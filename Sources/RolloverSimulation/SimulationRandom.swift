import Foundation

/// The simulation's random numbers: SplitMix64 seeded with `--seed`.
///
/// Swift's standard library has no seedable generator (`SystemRandomNumberGenerator` cannot be replayed), and a
/// simulation that cannot be replayed cannot be debugged or compared, so this tiny one is written here. SplitMix64
/// passes BigCrush, needs one word of state and is the usual seeder of the xoshiro family; behaviours, phases and
/// jitter need nothing stronger.
public struct SimulationRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform number in [0, 1) with 53 random bits.
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// A whole number of seconds in [0, span).
    public mutating func seconds(below span: TimeInterval) -> Int64 {
        span < 1 ? 0 : Int64(unit() * span.rounded(.down))
    }
}
