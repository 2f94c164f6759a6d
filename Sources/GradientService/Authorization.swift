import HTTPServer

extension GradientHandler {
    /// Why `head` may not use a protected route, or nil when it may (or no token is set).
    func authorize(_ head: RequestHead) -> Problem? {
        guard let token = configuration.authToken else { return nil }
        guard let header = head.headers["authorization"] else {
            return .unauthorized("this server needs Authorization: Bearer <token>")
        }
        let prefix = "Bearer "
        guard header.hasPrefix(prefix),
            constantTimeEqual(Array(header.utf8.dropFirst(prefix.utf8.count)), Array(token.utf8))
        else { return .unauthorized("the bearer token is not valid") }
        return nil
    }
}

/// Compares without an early exit, so the time taken does not reveal how much of a token matched.
func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    var diff = UInt8(a.count == b.count ? 0 : 1)
    for i in 0..<max(a.count, b.count) {
        diff |= (i < a.count ? a[i] : 0) ^ (i < b.count ? b[i] : 0)
    }
    return diff == 0
}
