/// The rule both stores apply, inside the transaction that records enrolling devices: a secret with a maximum
/// number of uses admits no device past it.
enum EnrollmentSecretUses {
    /// The devices enrolling with each secret in one batch.
    static func wanted(by devices: [NewDevice]) -> [Int64: Int] {
        devices.compactMap(\.enrollmentSecretID).reduce(into: [:]) { $0[$1, default: 0] += 1 }
    }

    /// Refuses when `adding` more devices would take the secret past `maxUses`.
    static func check(secretID: Int64, maxUses: Int?, used: Int, adding: Int) throws {
        guard let maxUses, used + adding > maxUses else { return }
        throw StoreError(.conflict, "the enrollment secret has been used by \(used) of its \(maxUses) device(s); make another one",
                         specificCode: "enrollment-secret-used-up")
    }
}
