/// How much key-derivation work the reading of one input (every file of one inspection or import) may cost in
/// all. Each derivation draws from it before it starts, so a file with many encrypted bags or blocks cannot
/// multiply the cost that one derivation is allowed (`PKCS12KeyDerivation.maximumIterations`).
///
/// The defaults hold every file of the shared corpus and every file Windows, macOS, Firefox/NSS, Java and
/// OpenSSL write with their defaults (Firefox: 600,000 rounds for the MAC, the certificates and the key, about
/// 3,000,000 iteration-blocks in all), with room for the second password form Rollover tries when none is given.
public struct DecryptionBudget: Sendable, Hashable {
    /// Iteration-blocks left for PBKDF2, the PKCS#12 KDF and PBKDF1: a derivation costs its iterations times the
    /// hash outputs it needs (a 32-byte PBKDF2-SHA-1 key is 2 blocks). Default 8,000,000: four derivations at the
    /// 2,000,000-iteration cap, a few CPU-seconds.
    public var iterations: Int
    /// scrypt work left, N·r·p summed over derivations. Default 2,097,152 (2^21): sixteen derivations at OpenSSL's
    /// default N=16384, r=8, p=1, about a second of CPU.
    public var scryptWork: Int
    /// The most memory one scrypt derivation may take, 128·r·N bytes. Default 64 MiB (OpenSSL's default takes 16).
    public var scryptMemoryBytes: Int

    public init(iterations: Int = 8_000_000, scryptWork: Int = 1 << 21, scryptMemoryBytes: Int = 64 << 20) {
        self.iterations = iterations
        self.scryptWork = scryptWork
        self.scryptMemoryBytes = scryptMemoryBytes
    }

    public static let standard = DecryptionBudget()
}

/// The bounds on one input: how many blocks, bags and certificates it may hold and how much key derivation it
/// may ask for. Over a bound the reader stops that part with a problem that names the bound (`malformed` for
/// counts, `unsupported-format` for work), never traps and never runs on. Every file of the shared corpus and
/// the system trust store (about 150 certificates) are well inside the defaults.
public struct ReadingLimits: Sendable, Hashable {
    /// PEM blocks read from one file; later ones are refused. Default 1,000.
    public var maximumPEMBlocksPerFile: Int
    /// ContentInfos in one PKCS#12 AuthenticatedSafe (Windows and OpenSSL write 2). Default 64.
    public var maximumPKCS12SafesPerFile: Int
    /// Bags in one PKCS#12 file, nested SafeContents included (one per certificate or key). Default 1,000.
    public var maximumPKCS12BagsPerFile: Int
    /// Certificates in all the files of one input (a CA bundle holds about 150). Default 1,000.
    public var maximumCertificates: Int
    /// The key-derivation work all the files of one input may ask for together.
    public var decryption: DecryptionBudget

    public init(
        maximumPEMBlocksPerFile: Int = 1_000, maximumPKCS12SafesPerFile: Int = 64, maximumPKCS12BagsPerFile: Int = 1_000,
        maximumCertificates: Int = 1_000, decryption: DecryptionBudget = .standard
    ) {
        self.maximumPEMBlocksPerFile = maximumPEMBlocksPerFile
        self.maximumPKCS12SafesPerFile = maximumPKCS12SafesPerFile
        self.maximumPKCS12BagsPerFile = maximumPKCS12BagsPerFile
        self.maximumCertificates = maximumCertificates
        self.decryption = decryption
    }

    public static let standard = ReadingLimits()
}
