import Foundation
import RolloverStore

/// Group commit for device syncs: each sync is answered only once its report is committed, and reports that arrive
/// while a transaction is being written go together in the next one. The first report after a quiet spell is
/// written at once (no gathering delay, so a lone sync waits only for its own write); under load, every write
/// carries all that arrived during the previous one, so thousands of syncs a second become tens of transactions.
/// A crash of the process loses nothing a device was told had been recorded (SQLite in WAL mode with
/// `synchronous = NORMAL` may lose the last commits to a power loss).
actor SyncWriter {
    private let store: any Store
    private let maximumBatch: Int
    private var pending: [SyncReport] = []
    private var waiting: [CheckedContinuation<Void, any Error>] = []
    private var writing = false

    init(store: any Store, maximumBatch: Int = 1000) {
        self.store = store
        self.maximumBatch = maximumBatch
    }

    func record(_ report: SyncReport) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            pending.append(report)
            waiting.append(continuation)
            if !writing {
                writing = true
                Task { await self.drain() }
            }
        }
    }

    /// Writes batches until nothing is pending. The actor is re-entered while a batch is written, which is how the
    /// next batch fills.
    private func drain() async {
        while !pending.isEmpty {
            let count = min(pending.count, maximumBatch)
            let batch = Array(pending.prefix(count)), waiters = Array(waiting.prefix(count))
            pending.removeFirst(count)
            waiting.removeFirst(count)
            do {
                try await store.recordSyncs(batch)
                for waiter in waiters { waiter.resume() }
            } catch {
                for waiter in waiters { waiter.resume(throwing: error) }
            }
        }
        writing = false
    }
}
