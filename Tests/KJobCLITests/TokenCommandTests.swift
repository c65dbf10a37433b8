import Foundation
import KJobTestSupport
import PostgresNIO
import Testing

@Suite("kjobd token create", .enabled(if: TestDatabase.available, "needs KJOB_TEST_PG_URL"))
struct TokenCommandTests {
    static func kjobd(_ arguments: [String], cli: CLIFixture) async throws -> CLIFixture.Result {
        let binary = try CLIFixture.binary().deletingLastPathComponent().appendingPathComponent("kjobd")
        return try await cli.run(
            arguments, token: nil,
            environment: [
                "KJOB_TEST_EXECUTABLE": binary.path,
                "KJOBD_POSTGRES_URL": TestDatabase.urlText ?? "",
                "KJOBD_POSTGRES_SCHEMA": cli.db.names.schema,
                "KJOBD_NODE_ID": "token-test",
                "USER": "tester"
            ])
    }

    @Test("prints a kjob_ token once, stores only its hash; the token works with its role; bad input exits 2")
    func create() async throws {
        try await CLIFixture.with { cli in
            let created = try await Self.kjobd(["token", "create", "--name", "ci", "--role", "viewer"], cli: cli)
            #expect(created.status == 0, "\(created.stderr)")
            let token = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(token.hasPrefix("kjob_") && token.count == 48, "\(token)")
            #expect(created.stderr.contains("shown only now"))
            #expect(!created.stderr.contains(token))

            var stored: [UInt8] = []
            for try await hash in try await cli.client.query(
                "SELECT hash FROM \(unescaped: cli.db.names.schema).api_tokens WHERE name = 'ci'"
            ).decode(ByteBuffer.self) {
                stored = Array(hash.readableBytesView)
            }
            #expect(stored.count == 32)
            #expect(stored != Array(token.utf8))

            #expect(try await cli.run(["list"], token: token).status == 0)
            #expect(try await cli.run(["create", "--slug", "x", "--prompt", "p", "--schedule", "@daily", "--agent", "kode"], token: token).status == 4)

            #expect(try await Self.kjobd(["token", "create", "--name", "ci", "--role", "viewer"], cli: cli).status == 2)
            #expect(try await Self.kjobd(["token", "create", "--name", "x", "--role", "root"], cli: cli).status == 2)
            #expect(try await Self.kjobd(["token", "create", "--name", "y", "--role", "admin", "--tenant", "Bad Tenant"], cli: cli).status == 2)
            let scoped = try await Self.kjobd(["token", "create", "--name", "t", "--role", "admin", "--tenant", "team-a"], cli: cli)
            #expect(scoped.status == 0)
            let scopedToken = scoped.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(try await cli.run(["create", "--slug", "mine", "--prompt", "p", "--schedule", "@daily", "--agent", "kode"], token: scopedToken).status == 0)
            let mine = try await cli.run(["list", "--json"], token: scopedToken)
            #expect(mine.array.map { $0["tenant"] as? String } == ["team-a"])
        }
    }

    @Test(
        "list shows tokens without their secrets, revoke refuses the token within the lookup cache, --expires is recorded, both are audited under the OS user")
    func listRevokeExpire() async throws {
        try await CLIFixture.with { cli in
            let created = try await Self.kjobd(["token", "create", "--name", "deploy-bot", "--role", "operator", "--expires", "90d"], cli: cli)
            #expect(created.status == 0, "\(created.stderr)")
            #expect(created.stderr.contains("expires 20"))
            let token = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(try await cli.run(["list"], token: token).status == 0)

            let table = try await Self.kjobd(["token", "list"], cli: cli)
            #expect(table.status == 0, "\(table.stderr)")
            #expect(table.stdout.hasPrefix("NAME"))
            #expect(
                table.stdout.range(of: #"(?m)^deploy-bot\s+operator\s+\(all\)\s+\S+\s+\S+\s+20\S+\s+-$"#, options: .regularExpression) != nil,
                "\(table.stdout)")
            #expect(!table.stdout.contains("kjob_"))
            let json = try await Self.kjobd(["token", "list", "--json"], cli: cli)
            let tokens = (json.object["tokens"] as? [[String: Any]]) ?? []
            let bot = try #require(tokens.first { $0["name"] as? String == "deploy-bot" })
            #expect(bot["expires_at"] is String && bot["last_used_at"] is String && bot["revoked_at"] is NSNull)
            #expect(tokens.allSatisfy { $0["token"] == nil && $0["hash"] == nil })
            #expect(!json.stdout.contains(token) && !json.stdout.contains("kjob_"))

            let revoked = try await Self.kjobd(["token", "revoke", "deploy-bot"], cli: cli)
            #expect(revoked.status == 0 && revoked.stdout.contains("revoked token deploy-bot"))
            // The node caches a lookup's answer for at most 2 s (README): refused within that.
            let refused = try await poll(timeout: .seconds(10), interval: .milliseconds(100)) {
                try await cli.run(["list"], token: token).status == 4
            }
            #expect(refused != nil, "the revoked token was still accepted after 10 s")
            let unknown = try await Self.kjobd(["token", "revoke", "nobody"], cli: cli)
            #expect(unknown.status == 3)
            #expect(unknown.stderr.contains("no token named \"nobody\""))
            #expect(try await Self.kjobd(["token", "create", "--name", "z", "--role", "viewer", "--expires", "soon"], cli: cli).status == 2)

            let audit = try await cli.run(["audit", "--json"], token: "admin")
            let mine = audit.array.filter { ($0["note"] as? String)?.hasPrefix("token deploy-bot") == true }
            #expect(mine.map { $0["action"] as? String } == ["token.revoke", "token.create"])
            #expect(mine.allSatisfy { $0["actor"] as? String == "tester" })
        }
    }

    @Test("shell completions are generated")
    func completions() async throws {
        try await CLIFixture.with { cli in
            let bash = try await cli.run(["--generate-completion-script", "bash"], token: nil)
            #expect(bash.status == 0)
            #expect(bash.stdout.contains("run-now"))
        }
    }
}
