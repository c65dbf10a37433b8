import KJobCore
import KJobDaemon
import Testing

/// `postgres.require_synchronous` and its default by host count (issue #16).
@Suite("RequireSynchronousConfig")
struct RequireSynchronousConfigTests {
    @Test("unset: refuse with several hosts, off with one; explicit values win")
    func defaults() throws {
        let one = try DaemonConfig.parse(toml: "[postgres]\nurl = \"postgres://kjob@db:5432/kjob\"")
        #expect(one.postgres.requireSynchronous == nil)
        #expect(one.postgres.effectiveRequireSynchronous == .off)
        let two = try DaemonConfig.parse(toml: "[postgres]\nurl = \"postgres://kjob@db1:5432,db2:5432/kjob?target_session_attrs=read-write\"")
        #expect(two.postgres.effectiveRequireSynchronous == .refuse)
        let warn = try DaemonConfig.parse(
            toml: "",
            environment: [
                "KJOBD_POSTGRES_URL": "postgres://kjob@db1,db2/kjob",
                "KJOBD_POSTGRES_REQUIRE_SYNCHRONOUS": "warn"
            ])
        #expect(warn.postgres.effectiveRequireSynchronous == .warn)
    }

    @Test("a bad value names the choices")
    func badValue() {
        #expect {
            try DaemonConfig.parse(toml: "[postgres]\nrequire_synchronous = \"always\"")
        } throws: { error in
            "\(error)".contains("refuse, warn, off")
        }
    }

    @Test("a bad host list is a config error at postgres.url naming the fix")
    func badHostList() {
        #expect {
            try DaemonConfig.parse(toml: "[postgres]\nurl = \"postgres://kjob@db1,,db2/kjob\"")
        } throws: { error in
            "\(error)".contains("postgres.url") && "\(error)".contains("single commas")
        }
    }
}
