import Foundation
import KJobCore
import Testing

/// The audit's pure parts: what a spec change records, whose authority a job fires under, pause notes.
@Suite("Audit: spec diffs, owner authority, pause notes")
struct AuditRulesTests {
    static func spec(_ extra: String = "", schedule: String = "0 9 * * MON", prompt: String = "/k-housekeep") throws -> JobSpec {
        try JobSpec(
            toml: """
                [job]
                slug = "nightly"
                prompt = '''\(prompt)'''
                agent = "kode"
                schedule = "\(schedule)"
                \(extra)
                """)
    }

    @Test("a diff lists the changed fields before → after, nested keys one by one, sorted; an identical spec has none")
    func diff() throws {
        let before = try Self.spec("retries = { max = 1 }\noutput = { channel = \"ops\" }")
        let after = try Self.spec("retries = { max = 3 }\noutput = [{ channel = \"ops\", on = [\"failure\"] }]\ntimeout = \"30m\"", schedule: "@daily")
        #expect(before.changes(to: before).isEmpty)
        #expect(
            before.changes(to: after) == [
                FieldChange(field: "output", from: "[{channel = ops, on = [always]}]", to: "[{channel = ops, on = [failure]}]"),
                FieldChange(field: "retries.max", from: "1", to: "3"),
                FieldChange(field: "schedule", from: "0 9 * * MON", to: "@daily"),
                FieldChange(field: "timeout", from: "1h", to: "30m")
            ])
        var disabled = before
        disabled.enabled = false
        #expect(before.changes(to: disabled) == [FieldChange(field: "enabled", from: "true", to: "false")])
    }

    @Test("environment values never appear: added, changed and removed variables show as redacted")
    func secrets() throws {
        let before = try Self.spec("env = { TOKEN = \"hunter2\", KEEP = \"same-secret\", GONE = \"old-secret\" }")
        let after = try Self.spec("env = { TOKEN = \"hunter3\", KEEP = \"same-secret\", NEW = \"new-secret\" }")
        let changes = before.changes(to: after)
        #expect(
            changes == [
                FieldChange(field: "env.GONE", from: FieldChange.redacted, to: nil),
                FieldChange(field: "env.NEW", from: nil, to: FieldChange.redacted),
                FieldChange(field: "env.TOKEN", from: FieldChange.redacted, to: FieldChange.redacted)
            ])
        let text = "\(changes)"
        for secret in ["hunter", "same-secret", "old-secret", "new-secret"] { #expect(!text.contains(secret)) }
    }

    @Test("long values are kept short: their start and their size")
    func compact() throws {
        let prompt = String(repeating: "p", count: 5000)
        let change = try #require(try Self.spec().changes(to: try Self.spec(prompt: prompt)).first)
        #expect(change.field == "prompt")
        #expect(change.to == String(repeating: "p", count: 120) + "… (5000 bytes)")
        #expect(FieldChange.compact("short") == "short")
    }

    @Test("a job fires while its owner is an unrevoked, unexpired operator or admin of its tenant; without an owner it fires")
    func ownerAuthority() {
        let now = Date(timeIntervalSince1970: 2_000_000_000)
        func token(role: String = "admin", tenant: String? = nil, revoked: Bool = false, expires: Double? = nil) -> OwnerAuthority.Token {
            OwnerAuthority.Token(
                name: "alice", role: role, tenant: tenant, revokedAt: revoked ? now : nil,
                expiresAt: expires.map { now.addingTimeInterval($0) })
        }
        func denial(_ token: OwnerAuthority.Token?, owner: String? = "alice") -> OwnerAuthority.Denial? {
            OwnerAuthority.denial(owner: owner, token: token, jobTenant: "team-a", now: now)
        }
        #expect(denial(nil, owner: nil) == nil)
        #expect(denial(token()) == nil)
        #expect(denial(token(role: "operator", tenant: "team-a", expires: 60)) == nil)
        #expect(denial(nil) == .missing(token: "alice"))
        #expect(denial(token(revoked: true)) == .revoked(token: "alice"))
        #expect(denial(token(expires: 0)) == .expired(token: "alice", at: now))
        #expect(denial(token(role: "viewer")) == .role(token: "alice", role: "viewer"))
        #expect(denial(token(tenant: "team-b")) == .tenant(token: "alice", tenant: "team-b"))
        #expect("\(OwnerAuthority.Denial.revoked(token: "alice"))" == "owner token \"alice\" was revoked")
    }

    @Test("a pause note is at most 1 KiB of text without control characters")
    func pauseNote() {
        #expect(PauseNote.problem(String(repeating: "é", count: PauseNote.maxBytes / 2)) == nil)
        #expect(PauseNote.problem("line one\nline two\ttabbed") == nil)
        #expect(PauseNote.problem(String(repeating: "é", count: PauseNote.maxBytes / 2 + 1)) != nil, "the limit counts bytes, not characters")
        #expect(PauseNote.problem(String(repeating: "x", count: PauseNote.maxBytes + 1))?.contains("1025 bytes") == true)
        #expect(PauseNote.problem("bell\u{07}") != nil)
        #expect(PauseNote.problem("nul\u{00}") != nil)
    }
}
