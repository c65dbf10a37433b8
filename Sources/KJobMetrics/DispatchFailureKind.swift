/// Why a relay attempt did not deliver.
public enum DispatchFailureKind: String, CaseIterable, Sendable, Hashable {
    /// The relay answered 4xx (408 and 429 included).
    case http4xx = "http_4xx"
    /// The relay answered 5xx (or another non-2xx status).
    case http5xx = "http_5xx"
    case timeout
    case connection
    case tls
    /// The dispatch could not be built or sent (bad payload, bad URL).
    case invalid
}
