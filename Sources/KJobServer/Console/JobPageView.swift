import Foundation
import KJobCore
import KJobStore

/// The body of a job's page. Controls the caller's role lacks are left out (the routes refuse
/// them anyway).
struct JobPageView: Sendable {
    let job: JobRecord
    let tenant: String
    /// Newest first.
    let runs: [RunRecord]
    let principal: Principal
    let session: ConsoleSession?
    let now: Date
    static let upcomingCount = 10

    func path(_ suffix: String = "") -> String {
        JobPage.path(job.slug, suffix: suffix, tenant: tenant, principal)
    }

    var body: HTML {
        """
        <p class="crumbs"><a href="/ui/jobs\(JobPage.tenantQuery(tenant, principal))">Jobs</a>\(HTML.when(principal.tenant == nil, " <span class=\"muted\">· tenant \(tenant)</span>"))</p>
        <h1>\(job.slug) \(job.enabled ? "<span class=\"status s-active\">enabled</span>" : "<span class=\"status s-paused\">paused</span>" as HTML)</h1>
        \(pauseNote)
        \(job.unauthorizedAt.map { "<p class=\"notice bad\" id=\"unauthorized\">Its owner's token no longer covers this job (since \(ConsoleText.time($0))): fires are skipped (unauthorized) until an admin saves it again.</p>" as HTML })
        \(actions)
        <div class="grid">
          \(spec)
          \(upcoming)
        </div>
        <section class="card" aria-labelledby="chart-title">
          <h2 id="chart-title">Duration and lateness of the last runs</h2>
          \(RunChart.svg(runs, now: now))
        </section>
        \(history)
        """
    }

    var pauseNote: HTML {
        guard !job.enabled else { return "" }
        let by: HTML = job.pausedBy.map { " by <b>\($0)</b>" } ?? ""
        let note: HTML = job.pauseNote.map { "<q class=\"note\">\($0)</q>" } ?? "<span class=\"muted\">(no note)</span>"
        return """
            <div class="notice" id="pause-note">Paused\(by) \(ConsoleText.time(job.pausedAt)): \(note)</div>
            """
    }

    var actions: HTML {
        var parts: [HTML] = []
        if principal.role >= .operator {
            parts.append(ConsoleLayout.actionForm(path("/run"), session: session, id: "run-now", label: "Run now"))
            if job.enabled {
                let note: HTML = """
                    <label for="pause-note-input" class="visually-hidden">Pause note</label><input type="text" id="pause-note-input" name="note" maxlength="\(PauseNote.maxBytes)" placeholder="why (optional)" autocomplete="off">
                    """
                parts.append(ConsoleLayout.actionForm(path("/pause"), session: session, id: "pause", label: "Pause", style: "secondary", extra: note))
            } else {
                parts.append(ConsoleLayout.actionForm(path("/resume"), session: session, id: "resume", label: "Resume"))
            }
        }
        if principal.role >= .admin {
            parts.append("<a class=\"button secondary\" id=\"edit\" href=\"\(path("/edit"))\">Edit</a>")
        }
        parts.append("<a class=\"button secondary\" id=\"export\" href=\"\(path("/export"))\" download=\"\(job.slug).toml\">Export TOML</a>")
        if principal.role >= .admin {
            parts.append(
                ConsoleLayout.actionForm(
                    path("/delete"), session: session, id: "delete", label: "Delete", style: "danger",
                    confirm: "Delete job \(job.slug)? Its fires stop and running runs are stopped; its history stays readable, and kjob restore brings it back."
                ))
        }
        return "<div class=\"actions\" id=\"actions\">\(parts)</div>"
    }

    var spec: HTML {
        let parsed = job.spec
        let schedule = try? Schedule(parsing: parsed?.schedule.text ?? "")
        func row(_ term: String, _ value: HTML, id: String? = nil) -> HTML {
            "<dt>\(term)</dt><dd\(id.map { " id=\"\($0)\"" as HTML })>\(value)</dd>"
        }
        var rows: [HTML] = []
        if let parsed {
            rows.append(row("Schedule", "<code>\(parsed.schedule.text)</code> <span class=\"muted\">in \(parsed.timezone)</span>"))
            rows.append(row("In words", "\(schedule?.humanDescription ?? "")"))
            rows.append(row("Agent", "\(parsed.agent)"))
            rows.append(row("Timeout", "\(DurationText.format(parsed.timeout))"))
            rows.append(row("Overlap", "\(parsed.overlap.rawValue)"))
            rows.append(row("Missed fires", "\(parsed.misfire.mode.rawValue) within \(DurationText.format(parsed.misfire.window))"))
        } else {
            rows.append(row("Spec", "<span class=\"field-error\">the stored spec no longer parses; replace it with kjob apply</span>"))
        }
        rows.append(row("Next fire", ConsoleText.time(job.nextFireAt)))
        rows.append(row("Last fire", ConsoleText.time(job.lastFireAt)))
        rows.append(row("Owner", job.owner.map { "\($0)" } ?? "<span class=\"muted\">none recorded</span>", id: "job-owner"))
        rows.append(row("Created", "\(ConsoleText.time(job.createdAt))\(job.createdBy.map { " by \($0)" as HTML })"))
        rows.append(row("Updated", "\(ConsoleText.time(job.updatedAt))\(job.updatedBy.map { " by \($0)" as HTML }) · version \(job.version)"))
        let toml = parsed?.toml() ?? job.specTOML
        return """
            <section class="card" id="job-spec" aria-labelledby="spec-title">
              <h2 id="spec-title">Spec</h2>
              <dl class="kv">\(rows)</dl>
              \(parsed.map { "<p class=\"prompt\"><span class=\"muted\">Prompt</span><br>\($0.prompt)</p>" as HTML })
              <details><summary>Job file (TOML)</summary><pre id="job-toml">\(toml)</pre></details>
            </section>
            """
    }

    var upcoming: HTML {
        let zone = TimeZone(identifier: job.spec?.timezone ?? "") ?? .gmt
        let fires = (try? Schedule(parsing: job.spec?.schedule.text ?? "")).map { $0.fires(after: now, in: zone, count: Self.upcomingCount) } ?? []
        let heading: HTML = job.enabled ? "Next fires" : "Next fires <span class=\"muted\">(skipped while paused; resume runs them)</span>"
        let items: [HTML] = fires.map { fire in
            "<li\(HTML.when(!job.enabled, " class=\"skipped\""))><span class=\"mono\">\(RFC3339.format(fire, in: zone))</span> <small class=\"muted\">\(Self.relative(fire, now: now))</small></li>"
        }
        return """
            <section class="card" id="upcoming" aria-labelledby="upcoming-title">
              <h2 id="upcoming-title">\(heading)</h2>
              \(fires.isEmpty ? "<p class=\"muted\">No fires ahead.</p>" : "<ol class=\"fires\">\(items)</ol>" as HTML)
            </section>
            """
    }

    var history: HTML {
        let rows: [HTML] = runs.map { run in
            let lateness = run.startedAt.map { ConsoleText.age(milliseconds: Self.milliseconds(from: run.scheduledFor, to: $0)) }
            let duration: HTML
            if let started = run.startedAt, let finished = run.finishedAt {
                duration = "\(ConsoleText.age(milliseconds: Self.milliseconds(from: started, to: finished)))"
            } else if let started = run.startedAt, run.status == "running" {
                duration = "<span class=\"muted\">\(ConsoleText.age(milliseconds: Self.milliseconds(from: started, to: now))) so far</span>"
            } else {
                duration = "<span class=\"muted\">—</span>"
            }
            let trigger: HTML = "\(run.trigger)\(run.triggeredBy.map { " by \($0)" as HTML })"
            return """
                <tr data-run-id="\(run.id.uuidString.lowercased())"><td>\(ConsoleText.runLink(run.id))</td>\
                <td>\(ConsoleText.time(run.scheduledFor))</td>\
                <td>\(ConsoleText.time(run.startedAt))\(lateness.map { " <small class=\"muted late\">+\($0)</small>" as HTML })</td>\
                <td>\(trigger)</td><td>\(run.attempt)</td>\
                <td>\(ConsoleText.status(run.status))\(run.reason.map { " <small class=\"muted\">\($0)</small>" as HTML })</td>\
                <td>\(duration)</td><td>\(run.node ?? "—")</td><td>\(run.epoch.map { "\($0)" } ?? "—")</td>\
                <td>\(run.dispatchStatus.map { ConsoleText.status($0) } ?? "<span class=\"muted\">—</span>")</td></tr>
                """
        }
        return """
            <section class="card" aria-labelledby="runs-title">
              <h2 id="runs-title">Runs <small class="muted">(the last \(Self.maxShown(runs.count)))</small></h2>
              <div class="table-wrap"><table id="runs-table">
                <thead><tr><th>Run</th><th>Scheduled</th><th>Started (late by)</th><th>Trigger</th><th>Attempt</th><th>Status</th><th>Duration</th><th>Node</th><th>Epoch</th><th>Delivery</th></tr></thead>
                <tbody>\(rows.isEmpty ? ["<tr><td colspan=\"10\" class=\"muted\">No runs yet.</td></tr>"] : rows)</tbody>
              </table></div>
            </section>
            """
    }

    static func maxShown(_ count: Int) -> String {
        count < JobPage.historyRuns ? "\(count)" : "\(JobPage.historyRuns)"
    }

    static func milliseconds(from start: Date, to end: Date) -> Int64 {
        Int64((end.timeIntervalSince(start) * 1000).rounded())
    }

    /// `in 3h 12m`, `2m ago`.
    static func relative(_ date: Date, now: Date) -> String {
        let ms = milliseconds(from: now, to: date)
        return ms >= 0 ? "in \(ConsoleText.age(milliseconds: ms))" : "\(ConsoleText.age(milliseconds: -ms)) ago"
    }
}
