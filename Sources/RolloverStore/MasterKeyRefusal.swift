/// A private key sealed under a master key the store no longer uses is refused, so no key is ever kept under a
/// discarded master key (a process that started before a rotation still holds the old one).
public enum MasterKeyRefusal {
    /// 409 `master-key-rotated`.
    public static func rotated(storeKey: String, processKey: String) -> StoreError {
        StoreError(.conflict,
                   "the store's keys are sealed under master key \(storeKey), not \(processKey): the master key was rotated while this process ran; restart it with the current key",
                   specificCode: "master-key-rotated")
    }
}
