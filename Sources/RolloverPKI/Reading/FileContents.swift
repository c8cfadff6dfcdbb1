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

    init(name: String, format: String) {
        self.name = name
        self.format = format
    }

    mutating func add(_ failure: ReadFailure) {
        problems.append(Problem(failure.code, "\(name): \(failure.message)"))
    }
}
