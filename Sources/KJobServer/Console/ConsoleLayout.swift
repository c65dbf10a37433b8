/// The shell of every console page: header with the navigation, the node that served the page, who
/// is signed in and the logout button; the page's body; the versioned assets. No inline script or
/// style (the CSP forbids them).
enum ConsoleLayout {
    enum Section: Sendable, Hashable {
        case overview, jobs, audit, none
    }

    static func page(title: String, section: Section, session: ConsoleSession?, nodeID: String, body: HTML) -> HTML {
        """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(title) · kjob</title>
        <link rel="icon" href="data:,">
        <link rel="stylesheet" href="\(ConsoleAssets.cssPath)">
        <script src="\(ConsoleAssets.jsPath)" defer></script>
        </head>
        <body>
        <header class="top">
          <a class="brand" href="/ui/">kjob</a>
          \(HTML.when(session != nil, navigation(section)))
          <div class="who">
            <span class="node" title="the node that served this page">node <b id="node-id">\(nodeID)</b></span>
            \(session.map { whoami($0) })
          </div>
        </header>
        <main id="main">
        \(body)
        </main>
        </body>
        </html>
        """
    }

    static func navigation(_ section: Section) -> HTML {
        func link(_ href: String, _ label: String, _ this: Section) -> HTML {
            this == section ? "<a href=\"\(href)\" aria-current=\"page\">\(label)</a>" : "<a href=\"\(href)\">\(label)</a>"
        }
        return "<nav>\(link("/ui/", "Overview", .overview))\(link("/ui/jobs", "Jobs", .jobs))\(link("/ui/audit", "Audit", .audit))</nav>"
    }

    static func whoami(_ session: ConsoleSession) -> HTML {
        """
        <span id="whoami">\(session.principal.tokenName) <span class="role">\(session.principal.role.rawValue)</span></span>
        <form method="post" action="/ui/logout" class="inline">\(csrfField(session))<button id="logout" type="submit" class="link">Sign out</button></form>
        """
    }

    /// The hidden field every POST form carries.
    static func csrfField(_ session: ConsoleSession?) -> HTML {
        "<input type=\"hidden\" name=\"_csrf\" value=\"\(session?.csrf ?? "")\">"
    }

    /// A POST form with the CSRF field: a button that does one thing (run now, resume, cancel, ...).
    static func actionForm(
        _ action: String, session: ConsoleSession?, id: String, label: String, style: String = "",
        confirm: String? = nil, extra: HTML = ""
    ) -> HTML {
        let confirmAttribute: HTML = confirm.map { " data-confirm=\"\($0)\"" } ?? ""
        return """
            <form method="post" action="\(action)" class="inline action"\(confirmAttribute)>\(csrfField(session))\(extra)<button type="submit" id="\(id)" class="\(style)">\(label)</button></form>
            """
    }
}
