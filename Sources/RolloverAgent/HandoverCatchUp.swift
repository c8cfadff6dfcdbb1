import Foundation
import RolloverCore

extension HandoverWalk {
    /// A whole catch-up, page by page: asks for the records after the state reached so far until the host's newest
    /// (or `maximumRecords`), walking each page with `walk`. The agent fetches over its unverified connection, the
    /// fleet simulator from the store; both get the same refusals. `fetch(after)` is the answer to
    /// `GET /api/v1/handover?host=H&after=N`.
    public static func catchUp(from store: TrustStore, host: String, now: Date,
                               fetch: @Sendable (_ after: Int) async throws -> HandoverAnswer) async -> Outcome {
        let start = store.handoverSequence ?? 0
        var state = store
        var chainHost: String?
        // How many records the walk has applied, derived from where the state is (records follow each other).
        func walked() -> Int { (state.handoverSequence ?? start) - start }
        while walked() < maximumRecords {
            let answer: HandoverAnswer
            do { answer = try await fetch(state.handoverSequence ?? 0) } catch {
                return .refused("the handover records could not be fetched: \(error)")
            }
            if let chainHost, chainHost != answer.host { return .refused("the server switched handover chains during the walk") }
            chainHost = answer.host
            guard !answer.records.isEmpty else { break }
            let page = Array(answer.records.prefix(maximumRecords - walked()))
            switch await walk(page, chainHost: answer.host, host: host, from: state, now: now) {
            case .walked(let next, _, _): state = next
            case .refused(let reason): return .refused("catching up through the handover records failed: \(reason)")
            }
            if (state.handoverSequence ?? 0) >= answer.latest { break }
        }
        guard walked() > 0 else { return .refused("the server offers no handover record after \(start) for this device to catch up with") }
        return .walked(store: state, from: start, to: state.handoverSequence ?? start)
    }
}
