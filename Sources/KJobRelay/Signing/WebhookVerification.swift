/// The outcome of checking a `webhook-signature` header.
public enum WebhookVerification: Sendable, Equatable {
    case valid
    case rejected(String)
}
