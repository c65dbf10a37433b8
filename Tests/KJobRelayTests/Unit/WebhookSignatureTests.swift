import Foundation
import KJobRelay
import Testing

@Suite("WebhookSignature")
struct WebhookSignatureTests {
    /// The example from the Standard Webhooks / Svix documentation.
    let secret = try! WebhookSecret(parsing: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n")
    let id = "msg_p5jXN8AQM9LWM0D4loKWxJek"
    let timestamp: Int64 = 1_614_265_330
    let body = Data(#"{"test": 2432232314}"#.utf8)

    @Test("matches the published test vector")
    func vector() {
        #expect(
            WebhookSignature.sign(id: id, timestamp: timestamp, body: body, secret: secret)
                == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    }

    @Test("verifies its own signature, among several, and rejects tampering")
    func verify() {
        let signature = WebhookSignature.sign(id: id, timestamp: timestamp, body: body, secret: secret)
        let now = Date(timeIntervalSince1970: TimeInterval(timestamp) + 30)
        func check(
            id: String? = nil, timestamp: String? = nil, signature: String? = nil, body: Data? = nil,
            secret: WebhookSecret? = nil, now: Date? = nil
        ) -> WebhookVerification {
            WebhookSignature.verify(
                id: id ?? self.id, timestampHeader: timestamp ?? String(self.timestamp),
                signatureHeader: signature ?? "v1,bm9wZQ== "
                    + WebhookSignature.sign(id: self.id, timestamp: self.timestamp, body: self.body, secret: self.secret),
                body: body ?? self.body, secret: secret ?? self.secret, now: now ?? Date(timeIntervalSince1970: TimeInterval(self.timestamp) + 30))
        }
        #expect(check() == .valid)
        #expect(check(signature: signature) == .valid)
        #expect(check(body: Data(#"{"test": 2432232315}"#.utf8)) != .valid)
        #expect(check(id: "msg_other") != .valid)
        #expect(check(timestamp: String(timestamp + 1)) != .valid)
        #expect(check(secret: try! WebhookSecret(parsing: WebhookSecret.generateText())) != .valid)
        #expect(check(now: now.addingTimeInterval(3600)) == .rejected("webhook-timestamp is more than 300s away from now"))
        #expect(check(timestamp: "yesterday") == .rejected("webhook-timestamp is not an integer"))
        #expect(check(signature: "v2,abc") != .valid)
    }

    @Test("secrets must be whsec_ + base64 of 24-64 bytes")
    func secretForms() {
        #expect(throws: WebhookSecretError.missingPrefix) { try WebhookSecret(parsing: "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") }
        #expect(throws: WebhookSecretError.notBase64) { try WebhookSecret(parsing: "whsec_???") }
        #expect(throws: WebhookSecretError.wrongLength(3)) { try WebhookSecret(parsing: "whsec_YWJj") }
        #expect(WebhookSecretError.missingPrefix.description.contains("whsec_"))
        #expect((try? WebhookSecret(parsing: WebhookSecret.generateText())) != nil)
    }
}
