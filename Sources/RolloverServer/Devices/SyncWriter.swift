import Foundation
import RolloverStore

/// Group commit for device syncs: reports arriving together are written in one transaction, and each sync is
/// answered only once its report is durable. Thousands of syncs a second become tens of transactions, and a
/// crash loses nothing a device was told had been recorded.
actor SyncWriter {
    private let store: any Store
    private let maximumBatch: Int
    private let gatherFor: Duration
    private var pending: [SyncReport] = []
    private var waiting: [CheckedContinuation<Void, any Error>] = []
    private var flushScheduled = false

    init(store: any Store, maximumBatch: Int = 1000, gatherFor: Duration = .milliseconds(10)) {
        self.store = store
        self.maximumBatch = maximumBatch
        self.gatherFor = gatherFor
    }

    func record(_ report: SyncReport) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            pending.append(report)
            waiting.append(continuation)
            if pending.count >= maximumBatch {
                Task { await self.flush() }
            } else if !flushScheduled {
                flushScheduled = true
                Task {
                    try? await Task.sleep(for: gatherFor)
                    await self.flush()
                }
            }
        }
    }

    private func flush() async {
        flushScheduled = false
        guard !pending.isEmpty else { return }
        let batch = pending, waiters = waiting
        pending = []
        waiting = []
        do {
            try await store.recordSyncs(batch)
            for waiter in waiters { waiter.resume() }
        } catch {
            for waiter in waiters { waiter.resume(throwing: error) }
        }
    }
}
