/// The devices' next sync times: a binary min-heap of packed keys (time in seconds << 24 | slot), so equal times
/// come out in slot order and the run is the same on every machine. One word per entry keeps a 100,000-device
/// heap in the cache.
struct EventQueue {
    private var heap: [UInt64] = []

    init(capacity: Int) { heap.reserveCapacity(capacity) }

    var isEmpty: Bool { heap.isEmpty }
    var count: Int { heap.count }

    /// The earliest time queued, or nil.
    var nextTime: Int64? { heap.first.map { Int64($0 >> 24) } }

    mutating func push(time: Int64, slot: Int) {
        precondition(time >= 0 && time < (1 << 40) && slot >= 0 && slot <= DeviceSlot.maximum)
        heap.append(UInt64(time) << 24 | UInt64(slot))
        var child = heap.count - 1
        let value = heap[child]
        while child > 0 {
            let parent = (child - 1) / 2
            guard value < heap[parent] else { break }
            heap[child] = heap[parent]
            child = parent
        }
        heap[child] = value
    }

    mutating func pop() -> (time: Int64, slot: Int)? {
        guard let first = heap.first else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            var parent = 0
            let count = heap.count
            while true {
                var child = 2 * parent + 1
                guard child < count else { break }
                if child + 1 < count, heap[child + 1] < heap[child] { child += 1 }
                guard heap[child] < last else { break }
                heap[parent] = heap[child]
                parent = child
            }
            heap[parent] = last
        }
        return (Int64(first >> 24), Int(first & 0xFF_FFFF))
    }
}
