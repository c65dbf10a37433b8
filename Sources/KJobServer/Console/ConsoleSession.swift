import Foundation
import HTTPTypes
import KJobStore

/// The console's cookie session: a random id in an HttpOnly, SameSite=Strict cookie whose SHA-256
/// is the key in `console_sessions`, and a per-session CSRF secret that every form posts back.
public struct ConsoleSession: Sendable, Hashable {
    public static let cookieName = "kjob_session"

    /// SHA-256 of the cookie's id: what is stored and looked up.
    public var idHash: [UInt8]
    public var csrf: String
    public var principal: Principal

    /// The session id sent in the request's `Cookie` header, if it has the shape we issue.
    static func id(in headers: HTTPFields) -> String? {
        for header in headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == cookieName else { continue }
                let value = parts[1].trimmingCharacters(in: .whitespaces)
                guard value.count == 43, value.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
                    return nil
                }
                return value
            }
        }
        return nil
    }

    /// `Set-Cookie` for a new session (`id`), or one that clears it (nil).
    static func setCookie(_ id: String?, secure: Bool) -> String {
        var cookie = "\(cookieName)=\(id ?? ""); Path=/ui; HttpOnly; SameSite=Strict"
        if secure { cookie += "; Secure" }
        if id == nil { cookie += "; Max-Age=0" }
        return cookie
    }

    /// Compares in time independent of where the strings differ.
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for index in x.indices { difference |= x[index] ^ y[index] }
        return difference == 0
    }
}
