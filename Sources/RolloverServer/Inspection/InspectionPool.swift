import Foundation
import Synchronization

/// Where uploads are read and inspected: on `SerialTaskExecutor`'s own thread, at most `waiting` jobs queued,
/// each answered within `deadline`. An upload over the queue is refused at once with 503 `inspection-busy`; one
/// past its deadline is answered 503 `inspection-timeout` and cancelled (the readers stop between bags and KDF
/// rounds), and its slot stays taken until it has actually stopped, so timed-out work cannot pile up.
final class InspectionPool: Sendable {
    let deadline: Duration
    let capacity: Int
    private let executor = SerialTaskExecutor(label: "rollover.inspection")
    private let taken = Mutex(0)

    init(deadline: Duration = .seconds(20), capacity: Int = 4) {
        self.deadline = deadline
        self.capacity = capacity
    }

    func run<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) async throws -> T {
        guard taken.withLock({ count in
            guard count < capacity else { return false }
            count += 1
            return true
        }) else {
            throw APIError(.serviceUnavailable, "inspection-busy", "the server is inspecting \(capacity) uploads already; try again shortly")
        }
        let answer = OneAnswer<T>()
        let deadline = self.deadline
        return try await withCheckedThrowingContinuation { continuation in
            answer.wait(with: continuation)
            let job = Task(executorPreference: executor) {
                defer { self.release() }
                do { answer.give(.success(try await work())) } catch { answer.give(.failure(error)) }
            }
            Task {
                try? await Task.sleep(for: deadline)
                job.cancel()
                answer.give(.failure(APIError(.serviceUnavailable, "inspection-timeout",
                                              "the upload took longer than \(deadline) to inspect and was stopped")))
            }
        }
    }
}

extension InspectionPool {
    fileprivate func release() {
        taken.withLock { $0 -= 1 }
    }
}

/// The first of several answers resumes the waiting request; the others are dropped.
private final class OneAnswer<T: Sendable>: Sendable {
    private let state = Mutex<(continuation: CheckedContinuation<T, any Error>?, given: Bool)>((nil, false))

    func wait(with continuation: CheckedContinuation<T, any Error>) {
        state.withLock { $0.continuation = continuation }
    }

    func give(_ result: Result<T, any Error>) {
        let continuation = state.withLock { state -> CheckedContinuation<T, any Error>? in
            guard !state.given else { return nil }
            state.given = true
            return state.continuation
        }
        continuation?.resume(with: result)
    }
}
