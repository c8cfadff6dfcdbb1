/// The outcome of an inspection: every problem at once, and what was found.
public struct InspectionReport: Sendable {
    public var errors: [Problem] = []
    public var warnings: [Problem] = []
    /// The server certificate, when one could be chosen.
    public var leaf: ParsedCertificate?
    /// Leaf → root as far as the files and the trust sources reach.
    public var chain: [ParsedCertificate] = []
    /// How many of `chain` came from the files (the rest from `--trust` or the system store).
    public var certificatesFromFiles = 0
    public var key: PrivateKeyMaterial?
    /// The key was not in the files but Rollover holds it (a certificate signed from one of its requests).
    public var keyHeldByRollover = false
    public var files: [FileContents] = []

    /// Whether the certificate can be imported: warnings allowed, errors not.
    public var ok: Bool { errors.isEmpty }

    mutating func error(_ code: ProblemCode, _ message: String) {
        let problem = Problem(code, message)
        if !errors.contains(problem) { errors.append(problem) }
    }

    mutating func warning(_ code: ProblemCode, _ message: String) {
        let problem = Problem(code, message)
        if !warnings.contains(problem) { warnings.append(problem) }
    }
}
