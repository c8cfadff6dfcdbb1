import Foundation

/// Files the import form sent and the inspection accepted, kept in memory between the report and the
/// administrator's choice (distribute first, proceed, import only) so nothing is uploaded twice and nothing is
/// stored before the choice. Single use, for the session's token only, gone after 30 minutes.
actor ConsoleUploads {
    struct Upload: Sendable {
        var request: UploadRequest
        var ownerTokenSHA256: String
        var expires: Date
    }

    static let lifetime: TimeInterval = 30 * 60
    static let capacity = 100

    private var uploads: [String: Upload] = [:]

    func keep(_ request: UploadRequest, owner: String, now: Date = Date()) -> String {
        uploads = uploads.filter { $0.value.expires > now }
        if uploads.count >= Self.capacity, let oldest = uploads.min(by: { $0.value.expires < $1.value.expires })?.key { uploads[oldest] = nil }
        let id = ConsoleSessions.randomToken()
        uploads[id] = Upload(request: request, ownerTokenSHA256: owner, expires: now.addingTimeInterval(Self.lifetime))
        return id
    }

    func take(_ id: String, owner: String, now: Date = Date()) -> UploadRequest? {
        guard let upload = uploads.removeValue(forKey: id), upload.ownerTokenSHA256 == owner, upload.expires > now else { return nil }
        return upload.request
    }
}
