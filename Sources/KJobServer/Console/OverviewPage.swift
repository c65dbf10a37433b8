import Foundation
import Hummingbird
import KJobCore
import KJobStore

/// `/ui/`: the cluster, the last 24 h, what runs now, what fires next, the dispatch backlog and the
/// queue; live over `/ui/events/overview`, which re-renders the same regions about every second and
/// sends the ones whose markup changed (so a takeover shows without a reload, on either node).
struct OverviewPage: Sendable {
    /// The regions, in page order: each is a `<section id=…>` whose content the stream replaces.
    static let regionIDs = ["cluster", "counts", "running", "queue", "upcoming", "dispatch"]
    static let poll: Duration = .seconds(1)
    static let window: Duration = .seconds(86_400)
    static let runningLimit = 50
    static let upcomingLimit = 20
    static let takeoverLimit = 5
    static let listLimit = 5
    /// Statuses in the order the 24 h counts show them.
    static let statusOrder = ["succeeded", "failed", "timed_out", "cancelled", "lost", "skipped", "running", "queued"]

    let console: Console

    func add(to group: RouterGroup<APIRequestContext>) {
        group.get("") { request, context in try await page(request, context) }
        group.get("events/overview") { request, context in try await events(request, context) }
    }

    func page(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let principal = try console.require(.viewer, context)
        let regions = try await regions(principal, context.consoleSession)
        let sections = HTML.join(
            Self.regionIDs.map { id in
                "<section class=\"card\" id=\"\(id)\" aria-live=\"polite\">\(regions[id] ?? "")</section>"
            })
        let body: HTML = """
            <h1>Overview</h1>
            <div class="grid overview" data-live="/ui/events/overview">\(sections)</div>
            """
        return console.page(context, title: "Overview", section: .overview, body: body)
    }

    func events(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let principal = try console.require(.viewer, context)
        let session = context.consoleSession
        let permit = try console.streamPermit()
        let page = self
        let stream = ConsoleEventStream<[String: HTML]>(poll: Self.poll, maxDuration: console.configuration.maxFollow, initial: [:]) { sent in
            let regions = try await page.regions(principal, session)
            var events: [ConsoleEvent] = []
            for id in Self.regionIDs {
                guard let html = regions[id], sent[id] != html else { continue }
                sent[id] = html
                events.append(.replace(id, html))
            }
            return .init(events: events, done: false)
        }
        return stream.response(permit: permit, logger: context.logger)
    }

    /// Every region's content, from one round of queries run side by side.
    func regions(_ principal: Principal, _ session: ConsoleSession?) async throws -> [String: HTML] {
        let dependencies = console.dependencies
        let tenant = principal.tenant
        async let view = dependencies.cluster.view()
        async let takeovers = dependencies.cluster.takeovers(limit: Self.takeoverLimit)
        async let counts = dependencies.runs.statusCounts(tenant: tenant, window: Self.window)
        async let running = dependencies.runs.running(tenant: tenant, limit: Self.runningLimit + 1)
        async let queue = dependencies.runs.queueSummary(tenant: tenant, oldest: Self.listLimit)
        async let dispatch = dependencies.runs.dispatchSummary(tenant: tenant, recent: Self.listLimit)
        let until = Date().addingTimeInterval(Self.window.timeInterval)
        async let upcoming = JobRoutes.upcomingFires(dependencies.jobs, tenant: tenant, until: until, limit: Self.upcomingLimit)
        let canCancel = principal.role >= .operator
        return [
            "cluster": Self.cluster(
                try await view, takeovers: try await takeovers,
                downAfterMs: console.configuration.nodeDownAfter.milliseconds),
            "counts": Self.counts(try await counts),
            "running": Self.running(try await running, session: canCancel ? session : nil),
            "queue": Self.queue(try await queue),
            "upcoming": Self.upcoming(try await upcoming),
            "dispatch": Self.dispatch(try await dispatch)
        ]
    }

    static func jobLink(_ slug: String, tenant: String) -> HTML {
        let query = tenant == TenantName.default ? "" : "?tenant=\(tenant)"
        return "<a href=\"/ui/jobs/\(slug)\(query)\">\(slug)</a>"
    }

    static func cluster(_ view: ClusterView, takeovers: [ClusterRepository.Takeover], downAfterMs: Int64) -> HTML {
        let leader = view.leader
        let fresh = (leader.heartbeatAgeMs ?? .max) <= downAfterMs
        let heartbeat: HTML =
            leader.heartbeatAgeMs.map { age in
                fresh
                    ? "\(ConsoleText.age(milliseconds: age)) ago"
                    : "<span class=\"s-down\">\(ConsoleText.age(milliseconds: age)) ago: stale, a standby takes over</span>"
            } ?? "—"
        let standbys = view.nodes.filter { view.role(of: $0, downAfterMs: downAfterMs) == "standby" }
        let standbyText: HTML =
            standbys.isEmpty
            ? "<span class=\"s-down\">none: no node is ready to take over</span>"
            : HTML.join(standbys.map { "\($0.id), heartbeat \(ConsoleText.age(milliseconds: $0.lastSeenAgeMs)) ago" }, separator: "; ")
        let since: HTML =
            leader.since.map { since in
                "\(ConsoleText.time(since)) <span class=\"muted\">(\(ConsoleText.age(milliseconds: Int64(view.databaseNow.timeIntervalSince(since) * 1000))))</span>"
            } ?? "—"
        let rows = HTML.join(
            view.nodes.map { node in
                let role = view.role(of: node, downAfterMs: downAfterMs)
                let skew: HTML = node.clockSkewMs.map { "\($0) ms" } ?? "—"
                return """
                    <tr data-node="\(node.id)"><td>\(node.id)</td><td>\(ConsoleText.status(role))</td>\
                    <td>\(ConsoleText.age(milliseconds: node.lastSeenAgeMs)) ago</td><td>\(skew)</td>\
                    <td class="hide-narrow">\(node.epoch.map(String.init) ?? "—")</td><td class="hide-narrow">\(node.version)</td></tr>
                    """
            })
        let takeoverItems: HTML =
            takeovers.isEmpty
            ? "<li class=\"muted\">none recorded</li>"
            : HTML.join(takeovers.map { "<li>\(ConsoleText.time($0.at)) \($0.note)</li>" })
        return """
            <h2>Cluster</h2>
            <dl class="kv">
              <dt>Active</dt><dd><b id="active-node">\(leader.node ?? "none")</b></dd>
              <dt>Epoch</dt><dd id="epoch">\(leader.epoch)</dd>
              <dt>Since</dt><dd>\(since)</dd>
              <dt>Heartbeat</dt><dd>\(heartbeat)</dd>
              <dt>Standby</dt><dd id="standby">\(standbyText)</dd>
            </dl>
            <div class="table-wrap"><table id="nodes">
              <thead><tr><th>Node</th><th>Role</th><th>Heartbeat</th><th>Clock skew</th><th class="hide-narrow">Epoch</th><th class="hide-narrow">Version</th></tr></thead>
              <tbody>\(rows)</tbody>
            </table></div>
            <h3>Last takeovers</h3>
            <ul id="takeovers">\(takeoverItems)</ul>
            """
    }

    static func counts(_ counts: [String: Int64]) -> HTML {
        let known = statusOrder + counts.keys.filter { !statusOrder.contains($0) }.sorted()
        let total = counts.values.reduce(0, +)
        let items = HTML.join(
            known.map { status in
                "<li data-status=\"\(status)\">\(ConsoleText.status(status)) <b>\(counts[status] ?? 0)</b></li>"
            })
        return """
            <h2>Last 24 h</h2>
            <p><b>\(total)</b> runs queued in the last 24 hours.</p>
            <ul class="counts">\(items)</ul>
            """
    }

    /// `session` nil: no cancel buttons (the role lacks them).
    static func running(_ runs: [RunsRepository.RunningRun], session: ConsoleSession?) -> HTML {
        guard !runs.isEmpty else { return "<h2>Running</h2><p class=\"muted\">Nothing is running.</p>" }
        let shown = runs.prefix(runningLimit)
        let rows = HTML.join(
            shown.map { run in
                let timeoutMs = run.timeout.flatMap { try? DurationText.parse($0) }?.milliseconds
                let elapsed: HTML =
                    timeoutMs.map { timeout in
                        let late = run.elapsedMs > timeout
                        return
                            "<span class=\"\(late ? "s-failed" : "")\">\(ConsoleText.age(milliseconds: run.elapsedMs)) / \(ConsoleText.age(milliseconds: timeout))</span>"
                    } ?? "\(ConsoleText.age(milliseconds: run.elapsedMs))"
                let action: HTML
                if run.cancelRequested {
                    action = "<span class=\"muted\">cancelling</span>"
                } else if let session {
                    let id = run.id.uuidString.lowercased()
                    action = ConsoleLayout.actionForm(
                        "/ui/runs/\(id)/cancel", session: session, id: "cancel-\(id)", label: "Cancel",
                        style: "secondary", confirm: "Cancel this run of \(run.job)?",
                        extra: "<input type=\"hidden\" name=\"next\" value=\"/ui/\">")
                } else {
                    action = ""
                }
                return """
                    <tr data-run-id="\(run.id.uuidString.lowercased())"><td>\(ConsoleText.runLink(run.id))</td><td>\(jobLink(run.job, tenant: run.tenant))</td>\
                    <td>\(run.node ?? "—")<span class="muted"> · epoch \(run.epoch.map(String.init) ?? "—")</span></td><td>\(elapsed)</td><td>\(action)</td></tr>
                    """
            })
        let more: HTML = runs.count > runningLimit ? "<p class=\"muted\">Showing the \(runningLimit) longest running.</p>" : ""
        return """
            <h2>Running</h2>
            <div class="table-wrap"><table>
              <thead><tr><th>Run</th><th>Job</th><th>Node</th><th>Elapsed / timeout</th><th><span class="hide-narrow">Action</span></th></tr></thead>
              <tbody>\(rows)</tbody>
            </table></div>\(more)
            """
    }

    static func queue(_ queue: RunsRepository.QueueSummary) -> HTML {
        let oldest: HTML =
            queue.oldestDueAgeMs.map { "the oldest has waited <b id=\"queue-oldest\">\(ConsoleText.age(milliseconds: $0))</b>" }
            ?? "none waiting"
        let rows = HTML.join(
            queue.oldest.map { run in
                "<li>\(ConsoleText.runLink(run.id)) \(run.job) <span class=\"muted\">queued \(ConsoleText.age(milliseconds: run.ageMs)) ago</span></li>"
            })
        return """
            <h2>Queue</h2>
            <p><b id="queue-depth">\(queue.due)</b> runs wait for an executor slot; \(oldest).</p>
            <p class="muted">\(queue.waiting) more wait for their retry time.</p>
            \(HTML.when(!queue.oldest.isEmpty, "<ul>\(rows)</ul>"))
            """
    }

    static func upcoming(_ upcoming: (fires: [(job: JobsRepository.PendingFire, at: Date)], truncated: Bool)) -> HTML {
        guard !upcoming.fires.isEmpty else { return "<h2>Next fires</h2><p class=\"muted\">Nothing fires in the next 24 hours.</p>" }
        let rows = HTML.join(
            upcoming.fires.map { fire in
                """
                <tr><td>\(ConsoleText.time(fire.at))</td><td>\(jobLink(fire.job.slug, tenant: fire.job.tenant))</td>\
                <td class="hide-narrow"><code>\(fire.job.schedule)</code> \(fire.job.timezone)</td></tr>
                """
            })
        let more: HTML = upcoming.truncated ? "<p class=\"muted\">More fires follow in the next 24 hours.</p>" : ""
        return """
            <h2>Next fires</h2>
            <div class="table-wrap"><table>
              <thead><tr><th>At (UTC)</th><th>Job</th><th class="hide-narrow">Schedule</th></tr></thead>
              <tbody>\(rows)</tbody>
            </table></div>\(more)
            """
    }

    static func dispatch(_ dispatch: RunsRepository.DispatchSummary) -> HTML {
        let oldest: HTML = dispatch.oldestPendingAgeMs.map { "; the oldest is \(ConsoleText.age(milliseconds: $0)) old" } ?? ""
        let rows = HTML.join(
            dispatch.recentUndeliverable.map { item in
                """
                <li>\(ConsoleText.runLink(item.runID)) \(item.job) → \(item.channel) \(ConsoleText.status(item.status)) \
                <span class="muted">\(ConsoleText.time(item.at)) \(item.lastError ?? "")</span></li>
                """
            })
        return """
            <h2>Dispatch</h2>
            <p><b id="dispatch-pending">\(dispatch.pending)</b> results wait for delivery\(oldest).</p>
            <p><b id="dispatch-dead">\(dispatch.undeliverable)</b> will not be delivered (failed or dead).</p>
            \(HTML.when(!dispatch.recentUndeliverable.isEmpty, "<ul>\(rows)</ul>"))
            """
    }
}
