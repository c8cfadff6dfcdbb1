import Foundation
import RolloverCore

/// The tests' seeded generator: a fixed seed gives the same cases on every machine, so a failure can be replayed.
public typealias SeededGenerator = SplitMix64

extension SplitMix64 {
    public mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &self) }
    }
}
