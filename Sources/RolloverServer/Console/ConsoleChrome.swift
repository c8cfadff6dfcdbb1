import Foundation

/// What every console page shows around its content: the navigation, who is signed in, the CSRF token for its
/// forms, the HTTPS-mode warning and a notice of what the last change did.
struct ConsoleChrome: Sendable {
    struct NavigationItem: Sendable {
        var label: String
        var href: String
        var current: Bool
    }

    enum Section: String, CaseIterable, Sendable {
        case overview, certificates, rollovers, devices, settings, audit, access

        var label: String {
            switch self {
            case .overview: "Overview"
            case .certificates: "Certificates"
            case .rollovers: "Rollovers"
            case .devices: "Devices"
            case .settings: "Settings"
            case .audit: "Audit log"
            case .access: "Tokens & secrets"
            }
        }

        var href: String { self == .overview ? "/console" : "/console/\(rawValue)" }
    }

    var title: String
    var navigation: [NavigationItem]
    var actor: String
    var csrf: String
    /// Set while HTTPS mode is off: what that means for devices and certificate changes.
    var httpsWarning: String?
    var notice: String?
    var error: String?

    init(title: String, section: Section?, actor: String, csrf: String, httpsWarning: String?, notice: String?, error: String? = nil) {
        self.title = title
        navigation = Section.allCases.map { NavigationItem(label: $0.label, href: $0.href, current: $0 == section) }
        self.actor = actor
        self.csrf = csrf
        self.httpsWarning = httpsWarning
        self.notice = notice
        self.error = error
    }
}

/// A page: the chrome and the content its template reads.
struct ConsolePage<Content: Sendable>: Sendable {
    var chrome: ConsoleChrome
    var content: Content
}
