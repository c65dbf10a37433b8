import Foundation

/// The JSON body of `POST /v1/dispatch` (DESIGN §9), field for field.
///
/// It is `Codable` so the store can keep it in the outbox row as written when the run ended and
/// deliver the same bytes after a failover.
public struct DispatchPayload: Sendable, Codable, Hashable {
    public struct Message: Sendable, Codable, Hashable {
        public var title: String
        public var body: String
        public var status: DispatchStatus

        public init(title: String, body: String, status: DispatchStatus) {
            self.title = title
            self.body = body
            self.status = status
        }
    }

    public struct Run: Sendable, Codable, Hashable {
        public var id: String
        public var job: String
        public var scheduledFor: Date
        public var attempt: Int
        /// `nil` when the child did not exit on its own (killed on timeout or cancel).
        public var exitCode: Int32?
        public var startedAt: Date
        public var finishedAt: Date
        /// `nil` when `http.public_url` is not configured.
        public var logURL: String?

        public init(
            id: String, job: String, scheduledFor: Date, attempt: Int, exitCode: Int32?,
            startedAt: Date, finishedAt: Date, logURL: String?
        ) {
            self.id = id
            self.job = job
            self.scheduledFor = scheduledFor
            self.attempt = attempt
            self.exitCode = exitCode
            self.startedAt = startedAt
            self.finishedAt = finishedAt
            self.logURL = logURL
        }

        enum CodingKeys: String, CodingKey {
            case id, job, attempt
            case scheduledFor = "scheduled_for"
            case exitCode = "exit_code"
            case startedAt = "started_at"
            case finishedAt = "finished_at"
            case logURL = "log_url"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = try c.decode(String.self, forKey: .id)
            job = try c.decode(String.self, forKey: .job)
            scheduledFor = try c.decode(Date.self, forKey: .scheduledFor)
            attempt = try c.decode(Int.self, forKey: .attempt)
            exitCode = try c.decodeIfPresent(Int32.self, forKey: .exitCode)
            startedAt = try c.decode(Date.self, forKey: .startedAt)
            finishedAt = try c.decode(Date.self, forKey: .finishedAt)
            logURL = try c.decodeIfPresent(String.self, forKey: .logURL)
        }

        /// Explicit so that absent values are sent as `null` and the shape never varies.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(job, forKey: .job)
            try c.encode(scheduledFor, forKey: .scheduledFor)
            try c.encode(attempt, forKey: .attempt)
            try c.encode(exitCode, forKey: .exitCode)
            try c.encode(startedAt, forKey: .startedAt)
            try c.encode(finishedAt, forKey: .finishedAt)
            try c.encode(logURL, forKey: .logURL)
        }
    }

    public var channel: String
    public var message: Message
    public var run: Run

    public init(channel: String, message: Message, run: Run) {
        self.channel = channel
        self.message = message
        self.run = run
    }
}
