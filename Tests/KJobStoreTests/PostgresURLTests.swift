import KJobStore
import Testing

/// `postgres.url` parsing, one host and libpq-style host lists (issue #16).
@Suite("PostgresURL")
struct PostgresURLTests {
    @Test("one host parses as before and does not select a primary")
    func singleHost() throws {
        let url = try PostgresURL(parsing: "postgres://kjob:s%40cret@db.example:6432/jobs?sslmode=disable")
        #expect(url.hosts == [PostgresHost(host: "db.example", port: 6432)])
        #expect((url.host, url.port, url.user, url.password, url.database) == ("db.example", 6432, "kjob", "s@cret", "jobs"))
        #expect(url.sslMode == .disable)
        #expect(!url.selectsPrimary)
        #expect(url.redacted == "postgres://kjob:***@db.example:6432/jobs")
    }

    @Test("defaults: port 5432, database = user, sslmode prefer; a socket directory")
    func defaults() throws {
        let url = try PostgresURL(parsing: "postgresql://kjob@127.0.0.1?host=/run/pg")
        #expect(url.hosts == [PostgresHost(host: "127.0.0.1", port: 5432)])
        #expect(url.database == "kjob")
        #expect(url.password == nil)
        #expect(url.sslMode == .prefer)
        #expect(url.socketDirectory == "/run/pg")
        #expect(url.redacted == "postgres://kjob@127.0.0.1:5432/kjob?host=/run/pg")
    }

    @Test("several hosts in order, a missing port is 5432, IPv6 in brackets; target_session_attrs")
    func hostList() throws {
        let url = try PostgresURL(parsing: "postgres://u:p@h1:5432,h2,[::1]:5434/kjob?target_session_attrs=read-write")
        #expect(
            url.hosts == [
                PostgresHost(host: "h1", port: 5432), PostgresHost(host: "h2", port: 5432),
                PostgresHost(host: "::1", port: 5434)
            ])
        #expect(url.targetSessionAttributes == .readWrite)
        #expect(url.selectsPrimary)
        #expect(url.redacted == "postgres://u:***@h1:5432,h2:5432,[::1]:5434/kjob?target_session_attrs=read-write")
        let one = url.only(PostgresHost(host: "h2", port: 5432))
        #expect(one.hosts == [PostgresHost(host: "h2", port: 5432)])
        #expect(!one.selectsPrimary)
        #expect(one.password == "p")
    }

    @Test("one host with target_session_attrs=primary still checks that it is the primary")
    func singleHostWithAttributes() throws {
        let url = try PostgresURL(parsing: "postgres://u@db/kjob?target_session_attrs=primary")
        #expect(url.targetSessionAttributes == .primary)
        #expect(url.selectsPrimary)
    }

    @Test(
        "bad host lists and parameters name the fix",
        arguments: [
            ("postgres://u@h1:5432,,h2:5432/kjob", "separate hosts with single commas"),
            ("postgres://u@h1:5432,/kjob", "separate hosts with single commas"),
            ("postgres://u@h1:5432,:5433/kjob", "names no server; write HOST:PORT"),
            ("postgres://u@h1:99999/kjob", "is not a number from 1 to 65535"),
            ("postgres://u@h1:x,h2/kjob", "is not a number from 1 to 65535"),
            ("postgres://u@::1:5432/kjob", "write an IPv6 address in brackets"),
            ("postgres://u@[::1:5432/kjob", "never closes it"),
            ("postgres://u@h1,h1:5432/kjob", "listed twice"),
            ("postgres://u@h1,h2/kjob?target_session_attrs=any", "write target_session_attrs=read-write"),
            ("postgres://u@h1,h2/kjob?target_session_attrs=standby", "needs the primary"),
            ("postgres://u@h1,h2/kjob?host=/run/pg", "names one server"),
            ("postgres://u@h1/kjob?sslmode=verify", "sslmode must be disable, prefer or require"),
            ("postgres://u@h1/kjob?pool=3", "accepted: sslmode, host, target_session_attrs"),
            ("postgres://h1/kjob", "names no user"),
            ("mysql://u@h1/kjob", "expected postgres://")
        ])
    func badInput(text: String, fix: String) {
        #expect {
            try PostgresURL(parsing: text)
        } throws: { error in
            (error as? PostgresURLError)?.message.contains(fix) == true
        }
    }
}
