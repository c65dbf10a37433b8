import Foundation
import KJobCore

/// The `[relay]` section of `kjobd.toml`. Paths are read when a ``RelayClient`` is made, so a
/// wrong one fails at start, naming the key.
public struct RelayConfiguration: Sendable, Hashable {
    /// `relay.url`: the full dispatch endpoint, `https://host:port/v1/dispatch`. Must be https.
    public var url: String
    /// `relay.ca_file`: PEM file of the CA(s) trusted for the relay's certificate. Empty: the
    /// system roots. There is deliberately no way to turn verification off.
    public var caFile: String
    /// `relay.client_cert` / `relay.client_key`: PEM certificate chain and key for mTLS. Both or neither.
    public var clientCert: String
    public var clientKey: String
    /// `relay.token_file`: file holding the bearer token (whitespace trimmed). Empty: no
    /// `Authorization` header.
    public var tokenFile: String
    /// `relay.signing_secret_file`: file holding a `whsec_<base64>` Standard Webhooks secret.
    /// Empty: requests are not signed.
    public var signingSecretFile: String
    /// `relay.timeout`: bound on one attempt, connect to last response byte. Default 10 s.
    public var timeout: Duration
    /// `relay.max_age`: how long after the first attempt a dispatch is retried before it is dead. Default 24 h.
    public var maxAge: Duration

    public init(
        url: String,
        caFile: String = "",
        clientCert: String = "",
        clientKey: String = "",
        tokenFile: String = "",
        signingSecretFile: String = "",
        timeout: Duration = .seconds(10),
        maxAge: Duration = .seconds(24 * 3600)
    ) {
        self.url = url
        self.caFile = caFile
        self.clientCert = clientCert
        self.clientKey = clientKey
        self.tokenFile = tokenFile
        self.signingSecretFile = signingSecretFile
        self.timeout = timeout
        self.maxAge = maxAge
    }

    /// The keys of `[relay]` as text (TOML values or `KJOBD_RELAY_*` overrides). Unknown keys are errors.
    public init(settings: [String: String]) throws(RelayConfigurationError) {
        let known: Set = ["url", "ca_file", "client_cert", "client_key", "token_file", "signing_secret_file", "timeout", "max_age"]
        if let unknown = settings.keys.sorted().first(where: { !known.contains($0) }) {
            throw RelayConfigurationError(
                key: unknown, value: settings[unknown] ?? "",
                reason: "unknown key; the [relay] keys are \(known.sorted().joined(separator: ", "))")
        }
        func duration(_ key: String, _ fallback: Duration) throws(RelayConfigurationError) -> Duration {
            guard let text = settings[key] else { return fallback }
            do {
                return try DurationText.parse(text)
            } catch {
                throw RelayConfigurationError(key: key, value: text, reason: error.reason)
            }
        }
        self.init(
            url: settings["url"] ?? "",
            caFile: settings["ca_file"] ?? "",
            clientCert: settings["client_cert"] ?? "",
            clientKey: settings["client_key"] ?? "",
            tokenFile: settings["token_file"] ?? "",
            signingSecretFile: settings["signing_secret_file"] ?? "",
            timeout: try duration("timeout", .seconds(10)),
            maxAge: try duration("max_age", .seconds(24 * 3600))
        )
        try validate()
    }

    /// Checks what can be checked without touching files.
    public func validate() throws(RelayConfigurationError) {
        guard let components = URLComponents(string: url), let host = components.host, !host.isEmpty else {
            throw RelayConfigurationError(
                key: "url", value: url,
                reason: "not a URL; write the relay's dispatch endpoint, e.g. https://relay.example:8443/v1/dispatch")
        }
        guard components.scheme?.lowercased() == "https" else {
            throw RelayConfigurationError(
                key: "url", value: url,
                reason: "must be https (dispatches carry a bearer token and run output); "
                    + "for a local relay use kjob-relay-sink --generate and set relay.ca_file")
        }
        if clientCert.isEmpty != clientKey.isEmpty {
            let (key, value) = clientCert.isEmpty ? ("client_cert", clientCert) : ("client_key", clientKey)
            throw RelayConfigurationError(
                key: key, value: value,
                reason: "client_cert and client_key go together; set both for mTLS or neither")
        }
        guard timeout > .zero else {
            throw RelayConfigurationError(key: "timeout", value: DurationText.format(timeout), reason: "must be greater than zero")
        }
        guard maxAge > .zero else {
            throw RelayConfigurationError(key: "max_age", value: DurationText.format(maxAge), reason: "must be greater than zero")
        }
    }
}
