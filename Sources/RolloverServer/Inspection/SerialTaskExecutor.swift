import Dispatch

/// A task executor that runs its jobs one at a time on a dispatch queue of its own, outside Swift's cooperative
/// pool and NIO's event loops: work started with it as preference (CPU-heavy inspection of uploads) can never
/// occupy the threads that answer device syncs, health and the scheduler.
final class SerialTaskExecutor: TaskExecutor, @unchecked Sendable {
    // @unchecked: the queue is the only state and DispatchQueue is thread-safe.
    private let queue: DispatchQueue

    init(label: String) {
        queue = DispatchQueue(label: label, qos: .utility)
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
