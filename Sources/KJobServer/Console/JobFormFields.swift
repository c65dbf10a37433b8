/// The job form's inputs with their values and the server's errors: each error is a
/// `<p class="field-error" id="error-FIELD">` right after its input, which points at it with
/// `aria-invalid` and `aria-describedby`.
struct JobFormFields: Sendable {
    let form: JobForm
    /// Messages by form field name.
    let errors: [String: [String]]
    /// The node's `[agents.*]`; empty when it does not check them.
    let agents: [String]

    func value(_ name: String) -> String {
        switch name {
        case "slug": form.slug
        case "schedule": form.schedule
        case "timezone": form.timezone
        case "agent": form.agent
        case "prompt": form.prompt
        case "timeout": form.timeout
        case "overlap": form.overlap
        case "misfire_policy": form.misfirePolicy
        case "misfire_window": form.misfireWindow
        case "env": form.env
        case "toml": form.toml
        default: ""
        }
    }

    /// ` aria-invalid="true" aria-describedby="error-NAME"` when the field has an error.
    func invalid(_ name: String) -> HTML {
        errors[name] == nil ? "" : " aria-invalid=\"true\" aria-describedby=\"error-\(name)\""
    }

    func error(_ name: String) -> HTML {
        guard let messages = errors[name] else { return "" }
        return "<p class=\"field-error\" id=\"error-\(name)\" role=\"alert\">\(messages.joined(separator: "; "))</p>"
    }

    func hint(_ text: String?) -> HTML {
        text.map { "<small class=\"hint muted\">\($0)</small>" } ?? ""
    }

    func text(_ name: String, label: String, hint text: String? = nil, readonly: Bool = false, mono: Bool = false, list: String? = nil) -> HTML {
        let listAttribute: HTML = list.map { " list=\"\($0)\"" } ?? ""
        return """
            <div class="field"><label for="f-\(name)">\(label)</label>
            <input type="text" id="f-\(name)" name="\(name)" value="\(value(name))" autocomplete="off" spellcheck="false"\(HTML.when(mono, " class=\"mono\""))\(HTML.when(readonly, " readonly"))\(listAttribute)\(invalid(name))>
            \(error(name))\(hint(text))</div>
            """
    }

    func textarea(_ name: String, label: String, hint text: String? = nil, mono: Bool = false, rows: Int = 4) -> HTML {
        """
        <div class="field"><label for="f-\(name)">\(label)</label>
        <textarea id="f-\(name)" name="\(name)" rows="\(rows)" spellcheck="false"\(HTML.when(mono, " class=\"mono\""))\(invalid(name))>\(value(name))</textarea>
        \(error(name))\(hint(text))</div>
        """
    }

    func select(_ name: String, label: String, _ options: [String]) -> HTML {
        let current = value(name)
        var choices = options
        if !current.isEmpty, !choices.contains(current) { choices.append(current) }
        return """
            <div class="field"><label for="f-\(name)">\(label)</label>
            <select id="f-\(name)" name="\(name)"\(invalid(name))>\(choices.map { "<option\(HTML.when($0 == current, " selected"))>\($0)</option>" as HTML })</select>
            \(error(name))</div>
            """
    }

    func checkbox(_ name: String, label: String) -> HTML {
        """
        <div class="field check"><input type="checkbox" id="f-\(name)" name="\(name)" value="true"\(HTML.when(form.enabled, " checked"))\(invalid(name))>
        <label for="f-\(name)">\(label)</label>
        \(error(name))</div>
        """
    }

    /// A select of the node's agents (and the job's own, should the node no longer have it), or
    /// free text when the node does not check agents.
    func agent() -> HTML {
        guard !agents.isEmpty else { return text("agent", label: "Agent", hint: "a name from kjobd's [agents.*]") }
        return select("agent", label: "Agent", agents)
    }
}
