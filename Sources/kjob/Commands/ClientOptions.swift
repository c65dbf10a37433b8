import ArgumentParser
import Foundation
import KJobClient
import KJobCore

/// Connection flags shared by every command that talks to a node.
struct ClientOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Node URL; repeat or comma-separate for failover (also KJOB_SERVER, config.toml).",
            valueName: "url"))
    var server: [String] = []

    @Option(name: .long, help: "API token (also KJOB_TOKEN, config.toml).")
    var token: String?

    @Option(name: .long, help: "Tenant, for tokens not scoped to one (also KJOB_TENANT).")
    var tenant: String?

    @Option(name: .customLong("ca-file"), help: "PEM CA bundle for HTTPS nodes (also KJOB_CA_FILE).")
    var caFile: String?

    @Flag(name: .long, help: "Print JSON instead of a table.")
    var json = false

    /// Runs `body` with a client; maps failures to the exit codes of DESIGN §10.
    func withClient(_ body: (APIClient) async throws -> Void) async throws {
        let client: APIClient
        do {
            client = try APIClient(settings: try ClientSettings.resolve(servers: server, token: token, caFile: caFile, tenant: tenant))
        } catch {
            Output.error(error.description)
            throw ExitCode(error.exitCode)
        }
        do {
            try await body(client)
            await client.shutdown()
        } catch let error as ClientError {
            await client.shutdown()
            Output.error(error.description)
            throw ExitCode(error.exitCode)
        } catch {
            await client.shutdown()
            throw error
        }
    }
}

enum Output {
    static func error(_ message: String) {
        FileHandle.standardError.write(Data("kjob: \(message)\n".utf8))
    }

    /// Writes to stdout. When the reader has gone (`kjob list | head`), ends the process the
    /// way C tools end, by SIGPIPE, instead of trapping on the write error as FileHandle does.
    static func write(_ text: String) {
        var text = text
        text.withUTF8 { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = systemWrite(1, buffer.baseAddress! + offset, buffer.count - offset)
                if written > 0 {
                    offset += written
                    continue
                }
                if written < 0, errno == EINTR { continue }
                if errno == EPIPE {
                    signal(SIGPIPE, SIG_DFL)
                    raise(SIGPIPE)
                }
                error("cannot write to stdout: \(String(cString: strerror(errno)))")
                exit(1)
            }
        }
    }

    /// Pretty JSON of a value taken from a response.
    static func json(_ value: Any) {
        let data =
            (try? JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed]))
            ?? Data("null".utf8)
        write(String(decoding: data, as: UTF8.self) + "\n")
    }

    static func field(_ object: Any?, _ key: String) -> Any? {
        (object as? [String: Any])?[key]
    }
}

#if canImport(Glibc)
    private let systemWrite = Glibc.write
#elseif canImport(Darwin)
    private let systemWrite = Darwin.write
#endif

/// The SLUG argument of the job commands, checked locally (exit 2 when malformed).
struct JobSlugArgument: ParsableArguments {
    @Argument(help: "Job slug.") var slug: String
    func validate() throws { try checkSlug(slug) }
}

/// A slug argument checked locally (exit 2 when malformed).
func checkSlug(_ slug: String) throws {
    if !Slug.isValid(slug) {
        throw ValidationError("job slug \"\(slug)\" must match ^[a-z0-9][a-z0-9-]{0,62}$")
    }
}
