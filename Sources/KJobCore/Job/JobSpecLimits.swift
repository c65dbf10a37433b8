/// The bounds job specs are validated against; error messages quote them.
public enum JobSpecLimits {
    /// Whole TOML/JSON document.
    public static let documentBytes = 256 * 1024
    public static let promptBytes = 64 * 1024
    public static let slugLength = 63
    public static let agentLength = 64
    public static let descriptionBytes = 4 * 1024
    public static let outputs = 16
    public static let channelBytes = 256
    public static let imageBytes = 255
    public static let envVariables = 64
    /// Keys plus values, UTF-8.
    public static let envBytes = 32 * 1024
    public static let maxRetries = 100
    public static let maxRetryDelayMilliseconds: Int64 = 86_400_000
    public static let maxTimeoutMilliseconds: Int64 = 86_400_000
    public static let maxMisfireWindowMilliseconds: Int64 = 7 * 86_400_000
    /// The smallest `sandbox.memory` any backend can run with (docker refuses less than 6 MiB); the
    /// sandbox checks the same bound.
    public static let minMemoryBytes: Int64 = 6 << 20
    public static let maxMemoryBytes: Int64 = 1 << 40
    public static let minCPUMillicores = 10
    public static let maxCPUMillicores = 1024 * 1000
    public static let maxPids = 4_194_304
    /// Environment names the job may not set.
    public static let reservedEnvPrefix = "KJOB_"
}
