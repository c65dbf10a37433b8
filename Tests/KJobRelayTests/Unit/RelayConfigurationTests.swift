import Foundation
import KJobRelay
import Testing

@Suite("RelayConfiguration")
struct RelayConfigurationTests {
    @Test("defaults and durations from [relay] text")
    func settings() throws {
        let configuration = try RelayConfiguration(settings: ["url": "https://relay.example:8443/v1/dispatch", "timeout": "3s"])
        #expect(configuration.timeout == .seconds(3))
        #expect(configuration.maxAge == .seconds(86400))
        #expect(configuration.caFile.isEmpty)
    }

    @Test("bad settings name the key and the fix")
    func errors() {
        func message(_ settings: [String: String]) -> String {
            do {
                _ = try RelayConfiguration(settings: settings)
                return "no error"
            } catch {
                return error.description
            }
        }
        let url = "https://relay.example/v1/dispatch"
        #expect(message(["url": "http://relay.example/v1/dispatch"]).hasPrefix("relay.url http://relay.example/v1/dispatch: must be https"))
        #expect(message(["url": ""]).hasPrefix("relay.url: not a URL"))
        #expect(message(["url": url, "timeout": "10"]).hasPrefix("relay.timeout 10: missing unit"))
        #expect(message(["url": url, "client_cert": "/c.pem"]).contains("client_cert and client_key go together"))
        #expect(message(["url": url, "insecure": "true"]).hasPrefix("relay.insecure true: unknown key"))
    }

    @Test("missing or malformed files are reported when the client is made")
    func files() async throws {
        let dir = try Fixtures.temporaryDirectory("config")
        func message(_ configuration: RelayConfiguration) async -> String {
            do {
                let client = try RelayClient(configuration: configuration)
                try? await client.shutdown()
                return "no error"
            } catch {
                return error.description
            }
        }
        let url = "https://127.0.0.1:1/v1/dispatch"
        #expect(await message(RelayConfiguration(url: url, caFile: "/x")) == "relay.ca_file /x: no such file")
        #expect(await message(RelayConfiguration(url: url, caFile: dir)).contains("is a directory"))
        let notPEM = dir + "/garbage.pem"
        try Data("hello".utf8).write(to: URL(fileURLWithPath: notPEM))
        #expect(await message(RelayConfiguration(url: url, caFile: notPEM)).hasPrefix("relay.ca_file \(notPEM): "))
        #expect(await message(RelayConfiguration(url: url, signingSecretFile: notPEM)).contains("does not start with whsec_"))
        #expect(await message(RelayConfiguration(url: url, tokenFile: "/nope")) == "relay.token_file /nope: no such file")
    }
}
