import Foundation
import HTTPTypes
import Hummingbird
import KJobCore
import KJobStore

/// `/ui/runs/{id}`: the run's timeline, its log (stdout and stderr told apart, followed live over
/// `/ui/events/runs/{id}` until the run ends), the dispatch payload as sent and its deliveries;
/// cancel for operators while the run is queued or running.
struct RunPage: Sendable {
    /// The page shows about the last this many bytes of a longer log.
    static let pageLogBytes: Int64 = 1 << 20
    static let batch = 500

    let console: Console

    func add(to group: RouterGroup<APIRequestContext>) {
        group.get("runs/{id}") { request, context in try await page(request, context) }
        group.post("runs/{id}/cancel") { request, context in try await cancel(request, context) }
        group.get("events/runs/{id}") { request, context in try await events(request, context) }
    }

    func run(_ context: APIRequestContext, _ principal: Principal) async throws -> RunRecord {
        let id = try RunRoutes.runID(context)
        guard let run = try await console.dependencies.runs.get(id: id, tenant: TenantScope.runs(principal)) else {
            throw Problem.notFound("no run \(id.uuidString.lowercased()) (it may have been purged, or belong to another tenant)")
        }
        return run
    }

    func page(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let principal = try console.require(.viewer, context)
        let run = try await run(context, principal)
        let runs = console.dependencies.runs
        async let extrasRead = runs.extras(runID: run.id)
        async let dispatchesRead = runs.dispatchDetails(runID: run.id)
        let start = run.logBytes > Self.pageLogBytes ? try await runs.logTailCursor(runID: run.id, bytes: Self.pageLogBytes) : -1
        var lines = ConsoleLogLines(after: start)
        var shown: [ConsoleLogLines.Line] = []
        while true {
            let chunks = try await runs.logChunks(runID: run.id, afterSeq: lines.lastSeq, limit: Self.batch)
            for chunk in chunks { shown += lines.feed(chunk) }
            if chunks.count < Self.batch { break }
        }
        if !run.isActive { shown += lines.flush() }
        let extras = try await extrasRead
        let dispatches = try await dispatchesRead
        let session = principal.role >= .operator ? context.consoleSession : nil
        let id = run.id.uuidString.lowercased()
        let live: HTML = run.isActive ? " data-live=\"/ui/events/runs/\(id)?from=\(lines.cursor.text)\"" : ""
        let tail: HTML =
            start >= 0
            ? "<p class=\"muted\">The log has \(ByteSizeText.format(run.logBytes)); this shows its last part.</p>" : ""
        let body: HTML = """
            <h1>Run <span class="mono">\(id.prefix(8))</span> of \(OverviewPage.jobLink(run.job, tenant: run.tenant))</h1>
            <p class="run-head"><span id="run-status">\(Self.status(run))</span> <span id="run-actions">\(Self.actions(run, session: session))</span></p>
            <div class="grid">
              <section class="card"><h2>Timeline</h2><ol id="timeline" class="timeline">\(Self.timeline(run, extras, dispatches))</ol></section>
              <section class="card"><h2>Details</h2>\(Self.details(run, extras))</section>
            </div>
            <section class="card"><h2>Log</h2>\(tail)<pre id="log" class="log"\(live)>\(ConsoleLogLines.html(shown))</pre></section>
            <section class="card"><h2>Dispatch</h2>
              <div id="dispatch-payload">\(Self.payloads(dispatches))</div>
              <h3>Deliveries</h3>
              <div id="deliveries" class="table-wrap">\(Self.deliveries(dispatches))</div>
            </section>
            """
        return console.page(context, title: "Run \(id.prefix(8)) of \(run.job)", section: .jobs, body: body)
    }

    /// Cancels through the API's repository call (audited in the session's token name), then back
    /// to the page the form names (`next`) or the run's page.
    func cancel(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let principal = try console.require(.operator, context)
        let id = try RunRoutes.runID(context)
        let form = try await console.form(request)
        guard try await console.dependencies.runs.cancel(id: id, tenant: TenantScope.runs(principal), requestedBy: principal.tokenName) != nil else {
            throw Problem.notFound("no run \(id.uuidString.lowercased())")
        }
        let back = form["next"].map { LoginPage.safeNext($0) } ?? "/ui/runs/\(id.uuidString.lowercased())"
        return Console.redirect(back)
    }

    /// New log lines as they are stored, the status regions when they change; when the run ends, its
    /// last open lines, the final regions and `end`. Resumes from `Last-Event-ID` (a reconnect) or
    /// the page's `?from=` cursor, so no line shows twice.
    func events(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let principal = try console.require(.viewer, context)
        let run = try await run(context, principal)
        let cursor =
            ConsoleLogLines.Cursor(request.headers[HTTPField.Name("Last-Event-ID")!])
            ?? ConsoleLogLines.Cursor(request.uri.queryParameters.get("from").map { String($0) }) ?? .start
        let session = principal.role >= .operator ? context.consoleSession : nil
        let permit = try console.streamPermit()
        let runs = console.dependencies.runs
        let tenant = TenantScope.runs(principal)
        let initial = FollowState(lines: ConsoleLogLines(after: cursor.after), seen: cursor.seen)
        let stream = ConsoleEventStream<FollowState>(
            poll: console.configuration.followPoll, maxDuration: console.configuration.maxFollow,
            initial: initial
        ) { state in
            // The status first: chunks stored before the run ended are all there when it reads ended.
            guard let current = try await runs.get(id: run.id, tenant: tenant) else { return .init(events: [], done: true) }
            var events: [ConsoleEvent] = []
            var lines: [ConsoleLogLines.Line] = []
            for _ in 0..<20 {
                let chunks = try await runs.logChunks(runID: run.id, afterSeq: state.lines.lastSeq, limit: Self.batch)
                for chunk in chunks { lines += state.lines.feed(chunk).filter { $0.completedAt > state.seen } }
                if chunks.count < Self.batch { break }
            }
            if !current.isActive { lines += state.lines.flush() }
            state.seen = max(state.seen, state.lines.lastSeq)
            if !lines.isEmpty { events.append(.append("log", ConsoleLogLines.html(lines))) }
            var regions: [(String, HTML)] = [("run-status", Self.status(current)), ("run-actions", Self.actions(current, session: session))]
            if state.sent["timeline"] == nil || state.sent["run-status"] != regions[0].1 || state.sent["run-actions"] != regions[1].1
                || !current.isActive
            {
                async let extras = runs.extras(runID: run.id)
                let dispatches = try await runs.dispatchDetails(runID: run.id)
                regions.append(("timeline", Self.timeline(current, try await extras, dispatches)))
                regions.append(("dispatch-payload", Self.payloads(dispatches)))
                regions.append(("deliveries", Self.deliveries(dispatches)))
            }
            for (id, html) in regions where state.sent[id] != html {
                state.sent[id] = html
                events.append(.replace(id, html))
            }
            if !events.isEmpty {
                let cursor = state.lines.cursor
                events[events.count - 1].id = ConsoleLogLines.Cursor(after: cursor.after, seen: state.seen).text
            }
            return .init(events: events, done: !current.isActive)
        }
        return stream.response(permit: permit, logger: context.logger)
    }

    struct FollowState: Sendable {
        var lines: ConsoleLogLines
        /// Lines completed at or before this chunk are on the page already.
        var seen: Int
        /// The markup last sent per region.
        var sent: [String: HTML] = [:]
    }

    static func status(_ run: RunRecord) -> HTML {
        ConsoleText.status(run.status)
    }

    /// Cancel while queued or running, for `session` (nil: the role lacks it).
    static func actions(_ run: RunRecord, session: ConsoleSession?) -> HTML {
        guard run.isActive else { return "" }
        if run.cancelRequestedAt != nil { return "<span class=\"muted\">cancel requested</span>" }
        guard let session else { return "" }
        return ConsoleLayout.actionForm(
            "/ui/runs/\(run.id.uuidString.lowercased())/cancel", session: session, id: "cancel",
            label: "Cancel run", style: "danger", confirm: "Cancel this run of \(run.job)?")
    }

    static func timeline(_ run: RunRecord, _ extras: RunsRepository.RunExtras?, _ dispatches: [RunsRepository.DispatchDetail]) -> HTML {
        var items: [(Date, HTML)] = []
        let trigger: HTML = run.triggeredBy.map { "\(run.trigger) by \($0)" } ?? "\(run.trigger)"
        items.append(
            (
                run.queuedAt,
                """
                <li data-event="queued">\(ConsoleText.time(run.queuedAt)) <b>queued</b> (\(trigger), attempt \(run.attempt), \
                fire of \(ConsoleText.time(run.scheduledFor)))</li>
                """
            ))
        if let notBefore = extras?.notBefore, run.startedAt == nil {
            items.append((notBefore, "<li data-event=\"not-before\">\(ConsoleText.time(notBefore)) <b>retry not before</b></li>"))
        }
        if let started = run.startedAt {
            items.append(
                (
                    started,
                    """
                    <li data-event="claimed">\(ConsoleText.time(started)) <b>claimed and started</b> by node \(run.node ?? "?") \
                    at epoch \(run.epoch.map(String.init) ?? "?")</li>
                    """
                ))
        }
        if let cancel = run.cancelRequestedAt {
            let by: HTML = extras?.cancelRequestedBy.map { " by \($0)" } ?? ""
            items.append((cancel, "<li data-event=\"cancel\">\(ConsoleText.time(cancel)) <b>cancel requested</b>\(by)</li>"))
        }
        if let finished = run.finishedAt {
            var outcome: [String] = []
            if let reason = run.reason { outcome.append(reason) }
            if let code = run.exitCode { outcome.append("exit code \(code)") }
            if let signal = run.signal { outcome.append("signal \(signal)") }
            if let started = run.startedAt {
                outcome.append("after \(ConsoleText.age(milliseconds: Int64(finished.timeIntervalSince(started) * 1000)))")
            }
            items.append(
                (
                    finished,
                    """
                    <li data-event="finished">\(ConsoleText.time(finished)) <b>\(run.status)</b>\
                    \(outcome.isEmpty ? "" : " (" + outcome.joined(separator: ", ") + ")")</li>
                    """
                ))
        }
        for dispatch in dispatches {
            items.append(
                (dispatch.createdAt, "<li data-event=\"dispatched\">\(ConsoleText.time(dispatch.createdAt)) <b>dispatched</b> to \(dispatch.channel)</li>"))
            if let delivered = dispatch.deliveredAt {
                items.append((delivered, "<li data-event=\"delivered\">\(ConsoleText.time(delivered)) <b>delivered</b> to \(dispatch.channel)</li>"))
            }
        }
        return HTML.join(items.enumerated().sorted { ($0.element.0, $0.offset) < ($1.element.0, $1.offset) }.map(\.element.1))
    }

    static func details(_ run: RunRecord, _ extras: RunsRepository.RunExtras?) -> HTML {
        let exit: HTML = run.exitCode.map { "\($0)" } ?? (run.signal.map { "signal \($0)" } ?? "—")
        return """
            <dl class="kv">
              <dt>Job</dt><dd>\(OverviewPage.jobLink(run.job, tenant: run.tenant))\(run.tenant == TenantName.default ? "" : " (tenant \(run.tenant))")</dd>
              <dt>Run id</dt><dd class="mono">\(run.id.uuidString.lowercased())</dd>
              <dt>Scheduled for</dt><dd>\(ConsoleText.time(run.scheduledFor))</dd>
              <dt>Trigger</dt><dd>\(run.trigger)\(run.backfill ? " (backfill)" : "")</dd>
              <dt>Attempt</dt><dd>\(run.attempt)</dd>
              <dt>Timeout</dt><dd>\(extras?.timeout ?? "—")</dd>
              <dt>Exit</dt><dd>\(exit)</dd>
              <dt>Log</dt><dd>\(ByteSizeText.format(run.logBytes))\(run.logTruncated ? " (truncated at the executor's max_log_bytes)" : "")</dd>
            </dl>
            """
    }

    static func payloads(_ dispatches: [RunsRepository.DispatchDetail]) -> HTML {
        guard !dispatches.isEmpty else {
            return "<p class=\"muted\">No dispatch (yet): results are dispatched when the run ends, to the job's output channels.</p>"
        }
        return HTML.join(dispatches.map { "<h3>To \($0.channel)</h3><pre class=\"payload\">\($0.payload)</pre>" })
    }

    static func deliveries(_ dispatches: [RunsRepository.DispatchDetail]) -> HTML {
        guard !dispatches.isEmpty else { return "<p class=\"muted\">No deliveries.</p>" }
        let rows = HTML.join(
            dispatches.map { d in
                let next: HTML = d.status == "pending" ? ConsoleText.time(d.nextAttemptAt) : "—"
                return """
                    <tr data-channel="\(d.channel)"><td>\(d.channel)</td><td>\(ConsoleText.status(d.status))</td><td>\(d.attempts)</td>\
                    <td>\(ConsoleText.time(d.firstAttemptAt))</td><td>\(d.lastHTTPStatus.map(String.init) ?? "—")</td>\
                    <td>\(d.lastError ?? "—")</td><td>\(next)</td><td>\(ConsoleText.time(d.deliveredAt))</td></tr>
                    """
            })
        return """
            <table>
              <thead><tr><th>Channel</th><th>Status</th><th>Attempts</th><th>First attempt</th><th>Last HTTP</th><th>Last error</th><th>Next attempt</th><th>Delivered</th></tr></thead>
              <tbody>\(rows)</tbody>
            </table>
            """
    }
}
