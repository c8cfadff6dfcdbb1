import Foundation

/// The state one input's reading shares across its files: the bounds, what is left of the decryption budget,
/// the certificates counted so far, and the caller's stop check. One session belongs to one synchronous read
/// (a class so that every reader deep in the walk draws from the same budget without threading it back up).
final class ReadingSession {
    let limits: ReadingLimits
    private(set) var budget: DecryptionBudget
    private(set) var certificates = 0
    /// Set once the stop check said stop; from then on every reader gives up at its next checkpoint.
    private(set) var stopped = false
    private let shouldStop: () -> Bool

    init(limits: ReadingLimits, shouldStop: @escaping () -> Bool) {
        self.limits = limits
        self.budget = limits.decryption
        self.shouldStop = shouldStop
    }

    static let stopFailure = ReadFailure.unsupported(
        "reading was stopped before the end (the request was cancelled or ran past its deadline); what follows was not read")

    /// A cancellation point: between blocks and bags, before each derivation and every few thousand rounds of the
    /// loops Rollover runs itself.
    func checkpoint() throws(ReadFailure) {
        if stopped || shouldStop() {
            stopped = true
            throw Self.stopFailure
        }
    }

    /// Draws `iterations × blocks` from the iteration budget before a PBKDF2, PKCS#12 or PBKDF1 derivation runs.
    func spend(iterations: Int, blocks: Int, for what: String) throws(ReadFailure) {
        try checkpoint()
        let (cost, overflow) = iterations.multipliedReportingOverflow(by: max(blocks, 1))
        guard !overflow, cost <= budget.iterations else {
            throw .unsupported(
                "\(what) asks for \(Self.grouped(iterations)) iterations × \(blocks) blocks, more than the \(Self.grouped(budget.iterations)) left of the \(Self.grouped(limits.decryption.iterations)) key-derivation iterations Rollover allows for one upload; re-export it with fewer iterations or fewer encrypted parts")
        }
        budget.iterations -= cost
    }

    /// Checks scrypt's memory and draws N·r·p from the scrypt budget before the derivation runs.
    func spendScrypt(n: Int, r: Int, p: Int) throws(ReadFailure) {
        try checkpoint()
        let memory = 128 * r * n  // n ≤ 2^20 and r ≤ 32 are checked first, so this cannot overflow
        guard memory <= limits.decryption.scryptMemoryBytes else {
            throw .unsupported(
                "the scrypt parameters (N=\(n), r=\(r), p=\(p)) need \(memory >> 20) MiB of memory; Rollover allows \(limits.decryption.scryptMemoryBytes >> 20) MiB per key")
        }
        let work = n * r * p
        guard work <= budget.scryptWork else {
            throw .unsupported(
                "the scrypt parameters (N=\(n), r=\(r), p=\(p)) ask for N·r·p = \(Self.grouped(work)), more than the \(Self.grouped(budget.scryptWork)) left of the \(Self.grouped(limits.decryption.scryptWork)) Rollover allows for one upload; re-encrypt with OpenSSL's defaults (N=16384, r=8, p=1)")
        }
        budget.scryptWork -= work
    }

    /// Counts one more certificate of the input against `maximumCertificates`.
    func countCertificate() throws(ReadFailure) {
        guard certificates < limits.maximumCertificates else {
            throw .malformed("the files hold more than \(Self.grouped(limits.maximumCertificates)) certificates, the most Rollover reads for one upload; the rest were not read")
        }
        certificates += 1
    }

    /// 8000000 → "8,000,000", without a locale-dependent formatter.
    static func grouped(_ value: Int) -> String {
        let digits = Array(String(value.magnitude))
        var text = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { text.append(",") }
            text.append(digit)
        }
        return value < 0 ? "-" + text : text
    }
}
