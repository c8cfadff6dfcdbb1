/// Why an admin token change is refused, as store errors with stable codes (the API, console and CLI show them).
public enum AdminTokenRefusal {
    /// The only active admin token cannot be revoked: nobody could sign in again, and a restart makes no new one
    /// while the store holds tokens. 409 `last-admin-token`.
    public static func lastToken(_ name: String) -> StoreError {
        StoreError(.conflict, "\"\(name)\" is the last active admin token: create another one before revoking it, or nobody can administer the server",
                   specificCode: "last-admin-token")
    }
}
