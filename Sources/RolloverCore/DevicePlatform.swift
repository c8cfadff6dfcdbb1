/// The platforms a device agent reports; each has its own way to install trust anchors.
public enum DevicePlatform: String, Sendable, Codable, CaseIterable {
    case macos, ios, windows, android, linux
}
