/// SplitMix64, a seedable random number generator: a fixed seed gives the same numbers on every machine.
///
/// Swift's standard library has no seedable generator (`SystemRandomNumberGenerator` cannot be replayed), and a
/// simulation or a test that cannot be replayed cannot be debugged or compared, so this tiny one is written here,
/// shared by the fleet simulator and the tests. SplitMix64 passes BigCrush, needs one word of state and is the
/// usual seeder of the xoshiro family; behaviours, phases, jitter and test cases need nothing stronger.
public struct SplitMix64: RandomNumberGenerator, Sendable {
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
}
