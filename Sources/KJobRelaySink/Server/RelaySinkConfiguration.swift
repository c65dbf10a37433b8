/// How `kjob-relay-sink` listens and what it checks. Only `certFile`/`keyFile` are required.
public struct RelaySinkConfiguration: Sendable, Hashable {
    /// Address to bind. Default 127.0.0.1 (loopback only).
    public var host: String
    /// Port to bind; 0 picks a free one (read it from ``RelaySink/port``). Default 0.
    public var port: Int
    /// PEM server certificate chain and key (`--cert`, `--key`).
    public var certFile: String
    public var keyFile: String
    /// PEM CA whose client certificates are required (`--client-ca`); `nil`: no client certificates.
    public var clientCAFile: String?
    /// JSON-lines file of accepted dispatches (`--out`); `nil`: kept in memory only.
    public var outFile: String?
    /// `whsec_` secret file (`--secret-file`); when set, unsigned or badly signed dispatches get 401.
    public var secretFile: String?
    /// Bearer token file (`--token-file`); when set, a missing or different token gets 401.
    public var tokenFile: String?

    public init(
        host: String = "127.0.0.1",
        port: Int = 0,
        certFile: String,
        keyFile: String,
        clientCAFile: String? = nil,
        outFile: String? = nil,
        secretFile: String? = nil,
        tokenFile: String? = nil
    ) {
        self.host = host
        self.port = port
        self.certFile = certFile
        self.keyFile = keyFile
        self.clientCAFile = clientCAFile
        self.outFile = outFile
        self.secretFile = secretFile
        self.tokenFile = tokenFile
    }
}
