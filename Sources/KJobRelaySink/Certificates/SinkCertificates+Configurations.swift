import KJobRelay

extension SinkCertificates.Files {
    /// A sink serving these certificates; the flags turn on client-certificate, signature and token checks.
    public func sinkConfiguration(
        requireClientCert: Bool = false, secret: Bool = false, token: Bool = false, out: String? = nil
    ) -> RelaySinkConfiguration {
        RelaySinkConfiguration(
            certFile: serverCert, keyFile: serverKey,
            clientCAFile: requireClientCert ? caCert : nil, outFile: out,
            secretFile: secret ? signingSecret : nil, tokenFile: token ? self.token : nil
        )
    }

    /// A relay client trusting these certificates' CA, for a sink on `host:port`. The timeout is
    /// generous: tests share a loaded 2-core box, and a test of the timeout passes its own.
    public func clientConfiguration(
        port: Int, host: String = "127.0.0.1", clientCert: Bool = false, secretFile: String? = nil,
        token: Bool = false, timeout: Duration = .seconds(60)
    ) -> RelayConfiguration {
        RelayConfiguration(
            url: "https://\(host):\(port)/v1/dispatch", caFile: caCert,
            clientCert: clientCert ? self.clientCert : "", clientKey: clientCert ? self.clientKey : "",
            tokenFile: token ? self.token : "", signingSecretFile: secretFile ?? "", timeout: timeout
        )
    }
}
