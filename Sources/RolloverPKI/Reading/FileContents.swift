/// Everything one file held, and what in it could not be read.
public struct FileContents: Sendable {
    public var name: String
    /// What the file was recognised as ("PKCS#12", "PEM", "DER certificate", …), for the report.
    public var format: String
    public var certificates: [ParsedCertificate] = []
    public var privateKeys: [PrivateKeyMaterial] = []
    /// Public keys alone cannot be imported but are recognised, so the report can say what the file is.
    public var publicKeys: [PublicKeyAlgorithm] = []
    public var problems: [Problem] = []
    /// Reading stopped before the end of this file (cancelled or past its deadline): what it holds is incomplete.
    public var stopped = false

    init(name: String, format: String) {
        self.name = name
        self.format = format
    }

    /// Adds a problem once: a bound that refuses every later block says so one time, not a thousand.
    mutating func add(_ failure: ReadFailure) {
        let problem = Problem(failure.code, "\(name): \(failure.message)")
        if !problems.contains(problem) { problems.append(problem) }
    }
}
