/// The ways a rollover moves trust material and switches the live certificate (DESIGN.md, "The one idea").
/// Stored as the raw value.
public enum RolloverPreset: String, Sendable, Codable, CaseIterable {
    /// Endpoint Central's "Proceed to Import", Kaspersky's "Immediately": switch at once.
    case proceedNow = "proceed-now"
    /// Endpoint Central's "Distribute Root Certificate": deliver first, switch when devices are ready.
    case distributeFirst = "distribute-first"
    /// Kaspersky's reserve certificate, "after N days".
    case reserve
    /// A reserve issued by the server's own CA before the live certificate expires.
    case autoReissue = "auto-reissue"
    /// A reissue for new connection addresses, delivered as a reserve with the new addresses.
    case addressChange = "address-change"
    /// Trust material only: deliver anchors or pins, switch nothing.
    case trust

    /// The target is handed to devices as a reserve certificate with its activation time.
    public var deliversReserve: Bool { self == .reserve || self == .autoReissue || self == .addressChange }
}
