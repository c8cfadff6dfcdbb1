import RolloverStore

/// A name given on the command line (a token, an enrollment secret, a device), held to the bound the server applies
/// (`NameLimit`: 1 to 128 UTF-8 bytes) before anything is sent: a usage error (exit 2) with the server's code.
enum NameArgument {
    static func check(_ name: String, what: String) throws {
        do {
            try NameLimit.check(name, what: what)
        } catch let error as StoreError {
            throw UsageFailure("\(error.specificCode ?? error.code.rawValue): \(error.description)")
        }
    }
}
