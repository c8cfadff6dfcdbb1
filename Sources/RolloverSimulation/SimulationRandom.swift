import Foundation
import RolloverCore

/// The simulation's random numbers: SplitMix64 seeded with `--seed`.
public typealias SimulationRandom = SplitMix64

extension SplitMix64 {
    /// A whole number of seconds in [0, span).
    mutating func seconds(below span: TimeInterval) -> Int64 {
        span < 1 ? 0 : Int64(unit() * span.rounded(.down))
    }
}
