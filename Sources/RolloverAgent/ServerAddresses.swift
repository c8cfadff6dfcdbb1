import Foundation
import RolloverCore

/// Where the agent connects, in order of preference. The enrolled URL stays first while the server still
/// announces its host; after an address change the reserve's new addresses come first from their activation
/// time, then the announced ones, and the enrolled URL is the last resort. Same scheme, port and path throughout.
public enum ServerAddresses {
    public static func candidates(enrolled: URL, store: TrustStore, now: Date) -> [URL] {
        var hosts: [String] = []
        if let reserve = store.reserve, now >= reserve.activatesAt { hosts += reserve.addresses ?? [] }
        let announced = store.addresses
        if let host = enrolled.host, announced.isEmpty || announced.contains(host) { hosts.append(host) }
        hosts += announced
        if let host = enrolled.host { hosts.append(host) }
        var seen = Set<String>()
        return hosts.filter { seen.insert($0.lowercased()).inserted }.compactMap { replacingHost(of: enrolled, with: $0) }
    }

    static func replacingHost(of url: URL, with host: String) -> URL? {
        guard var components = URLComponents(url: url, resolvingAgainstBaseURL: false) else { return nil }
        components.percentEncodedHost = host.contains(":") ? "[\(host)]" : host
        return components.url
    }
}
