import Crypto
import Foundation

/// The console's stylesheet and script, served by kjobd itself at content-hashed paths (so they
/// can be cached for good and a new build never serves a stale one).
enum ConsoleAssets {
    static let cssPath = "/ui/assets/console-\(fingerprint(css)).css"
    static let jsPath = "/ui/assets/console-\(fingerprint(js)).js"

    /// Path → (content type, body).
    static let files: [String: (contentType: String, body: String)] = [
        cssPath: ("text/css; charset=utf-8", css),
        jsPath: ("text/javascript; charset=utf-8", js)
    ]

    static func fingerprint(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).prefix(4).map { String(format: "%02x", $0) }.joined()
    }

    static let css = #"""
        :root{--bg:#f6f7f9;--fg:#1d2330;--muted:#5d6678;--line:#d9dde5;--card:#fff;--accent:#2453c7;--ok:#1f7a3d;--bad:#b3261e;--warn:#9a5b00;--run:#2453c7;--skip:#7a7f8c;color-scheme:light dark}
        @media (prefers-color-scheme:dark){:root{--bg:#14171d;--fg:#e6e9ef;--muted:#9aa3b5;--line:#2c323d;--card:#1b1f27;--accent:#7ea2ff;--ok:#5cc47f;--bad:#ff8a80;--warn:#f0b35a;--run:#7ea2ff;--skip:#8c93a3}}
        *{box-sizing:border-box}
        body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--bg);color:var(--fg)}
        a{color:var(--accent)}
        :focus-visible{outline:2px solid var(--accent);outline-offset:2px}
        header.top{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1.25rem;padding:.6rem 1rem;background:var(--card);border-bottom:1px solid var(--line)}
        .brand{font-weight:700;font-size:1.1rem;text-decoration:none;color:var(--fg)}
        nav{display:flex;gap:.9rem;flex-wrap:wrap}
        nav a{text-decoration:none;padding:.2rem 0;border-bottom:2px solid transparent}
        nav a[aria-current=page]{border-bottom-color:var(--accent);font-weight:600}
        .who{margin-left:auto;display:flex;gap:.8rem;align-items:center;flex-wrap:wrap;color:var(--muted);font-size:.9rem}
        .role{display:inline-block;padding:0 .4rem;border:1px solid var(--line);border-radius:.6rem;font-size:.8rem}
        main{max-width:1200px;margin:0 auto;padding:1rem}
        h1{font-size:1.4rem;margin:.4rem 0 1rem}
        h2{font-size:1.1rem;margin:0 0 .6rem}
        .grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(280px,1fr));gap:1rem}
        .card{background:var(--card);border:1px solid var(--line);border-radius:.5rem;padding:.9rem 1rem;min-width:0}
        .table-wrap{overflow-x:auto;max-width:100%}
        table{border-collapse:collapse;width:100%;font-size:.92rem}
        th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
        th{color:var(--muted);font-weight:600;white-space:nowrap}
        code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.88rem}
        pre{white-space:pre-wrap;word-break:break-word;background:var(--bg);border:1px solid var(--line);border-radius:.4rem;padding:.6rem;margin:0;max-height:28rem;overflow:auto}
        .muted{color:var(--muted)}
        .status{display:inline-block;padding:0 .45rem;border-radius:.6rem;font-size:.82rem;border:1px solid currentColor;white-space:nowrap}
        .s-succeeded,.s-active,.s-delivered{color:var(--ok)}.s-failed,.s-timed_out,.s-lost,.s-dead,.s-down{color:var(--bad)}
        .s-running,.s-queued,.s-pending{color:var(--run)}.s-cancelled,.s-skipped,.s-standby,.s-paused{color:var(--skip)}
        .strip{display:inline-flex;gap:2px;vertical-align:middle}
        .strip i{display:inline-block;width:7px;height:16px;border-radius:2px;background:var(--skip)}
        .strip i.s-succeeded{background:var(--ok)}.strip i.s-failed,.strip i.s-timed_out,.strip i.s-lost{background:var(--bad)}.strip i.s-running,.strip i.s-queued{background:var(--run)}
        form.inline{display:inline}
        form.action{display:inline-flex;gap:.4rem;align-items:center;margin:0 .4rem .4rem 0}
        button,.button{font:inherit;padding:.35rem .8rem;border-radius:.4rem;border:1px solid var(--accent);background:var(--accent);color:#fff;cursor:pointer;text-decoration:none;display:inline-block}
        button.secondary,.button.secondary{background:transparent;color:var(--accent)}
        button.danger{background:var(--bad);border-color:var(--bad)}
        button.link{background:none;border:none;color:var(--accent);padding:0;text-decoration:underline}
        label{display:block;font-weight:600;margin:.7rem 0 .2rem}
        input[type=text],input[type=search],input[type=password],select,textarea{font:inherit;width:100%;max-width:40rem;padding:.4rem .5rem;border:1px solid var(--line);border-radius:.35rem;background:var(--card);color:var(--fg)}
        textarea{min-height:6rem;font-family:ui-monospace,Menlo,Consolas,monospace}
        [aria-invalid=true]{border-color:var(--bad)}
        .field-error{color:var(--bad);margin:.2rem 0 0;font-size:.9rem}
        .notice{padding:.6rem .8rem;border-radius:.4rem;border:1px solid var(--line);background:var(--card);margin:0 0 1rem}
        .notice.bad{border-color:var(--bad);color:var(--bad)}
        .presets{display:flex;flex-wrap:wrap;gap:.4rem;margin:.4rem 0}
        .presets button{background:transparent;color:var(--accent);font-size:.85rem;padding:.2rem .5rem}
        .visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
        .crumbs{margin:0;color:var(--muted);font-size:.9rem}
        .page-head{display:flex;align-items:center;justify-content:space-between;gap:1rem;flex-wrap:wrap}
        .filters{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;margin:0 0 .8rem}.filters input[type=search]{flex:1 1 12rem;width:auto}.filters select{width:auto}
        .actions{display:flex;flex-wrap:wrap;align-items:center;gap:.4rem;margin:0 0 1rem}.actions form.action{margin:0}.actions input[type=text]{width:14rem;max-width:60vw}
        .grid>section,main>section{margin-bottom:1rem}
        .form-grid{display:grid;grid-template-columns:minmax(0,2fr) minmax(0,1fr);gap:1rem;align-items:start}
        .form-side{position:sticky;top:.5rem}
        .field.check{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;margin:.7rem 0}.field.check label{margin:0;font-weight:400}.field.check .field-error{flex-basis:100%}
        .hint{display:block;margin-top:.15rem}
        .form-actions{display:flex;gap:.6rem;align-items:center;margin-top:1rem}
        #toml-view{margin-top:1rem}#toml-view summary{cursor:pointer;font-weight:600}
        ol.fires{margin:.3rem 0;padding-left:1.6rem}ol.fires li{padding:.1rem 0;overflow-wrap:anywhere}
        ol.fires li.skipped .mono{text-decoration:line-through;color:var(--muted)}
        #preview-fires.viewer li::after{content:" · " attr(data-viewer);color:var(--muted)}
        #preview-fires li.dst-note::before{content:attr(data-note);display:block;color:var(--warn);font-family:system-ui,sans-serif;font-size:.82rem}
        #preview-description{font-weight:600;margin:0 0 .3rem}
        q.note{font-style:italic}.prompt{white-space:pre-wrap;overflow-wrap:anywhere}
        svg.chart .axis{stroke:var(--line)}svg.chart .dur-pt{fill:var(--accent)}svg.chart .late-pt{fill:var(--warn)}
        @media (max-width:760px){.form-grid{grid-template-columns:1fr}.form-side{position:static}}
        .log{background:#0f1218;color:#d8dee9;border-radius:.4rem;padding:.6rem;max-height:32rem;overflow:auto;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85rem;white-space:pre-wrap;word-break:break-word}
        .log-line.stderr{color:#ff9e9e}
        .kv{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}
        .kv dt{color:var(--muted)}.kv dd{margin:0;min-width:0;overflow-wrap:anywhere}
        .timeline{list-style:none;padding:0;margin:0}.timeline li{padding:.25rem 0 .25rem 1rem;border-left:2px solid var(--line)}
        .login{max-width:26rem;margin:3rem auto}
        .pager{margin:.8rem 0;display:flex;gap:1rem}
        svg.chart{width:100%;height:auto;max-height:180px}
        svg.chart .dur{stroke:var(--accent);fill:none;stroke-width:2}svg.chart .late{stroke:var(--warn);fill:none;stroke-width:2;stroke-dasharray:4 3}
        svg.chart text{fill:var(--muted);font-size:10px}
        .log:empty::before{content:"no output yet";color:#8c93a3}
        ul.counts{list-style:none;padding:0;margin:0;display:flex;flex-wrap:wrap;gap:.4rem .9rem}
        h3{font-size:1rem;margin:.9rem 0 .4rem}
        .filters{display:grid;grid-template-columns:repeat(auto-fit,minmax(12rem,1fr));gap:0 1rem;align-items:end;margin-bottom:1rem}
        .filters label{margin-top:.4rem}.filters p{margin:.4rem 0}
        ul.changes{margin:.2rem 0 0;padding-left:1rem;font-size:.85rem}
        pre.payload{max-height:20rem}
        .run-head{display:flex;flex-wrap:wrap;gap:.6rem;align-items:center}
        @media (max-width:600px){main{padding:.6rem}.hide-narrow{display:none}th,td{padding:.3rem}}
        """#

    static let js = #"""
        "use strict";
        (function () {
          function apply(msg) {
            if (msg.replace) { var t = document.getElementById(msg.replace); if (t) t.innerHTML = msg.html; }
            if (msg.append) {
              var a = document.getElementById(msg.append);
              if (a) { var stick = a.scrollTop + a.clientHeight >= a.scrollHeight - 4; a.insertAdjacentHTML("beforeend", msg.html); if (stick) a.scrollTop = a.scrollHeight; }
            }
          }
          function live(el) {
            var source = new EventSource(el.getAttribute("data-live"));
            source.onmessage = function (e) {
              var msg; try { msg = JSON.parse(e.data); } catch (err) { return; }
              if (msg.end) { source.close(); document.body.setAttribute("data-stream-ended", "1"); return; }
              apply(msg);
            };
          }
          function preview(form) {
            var target = document.getElementById("preview");
            if (!target) return;
            var timer = null, seq = 0;
            function refresh() {
              var s = form.elements["schedule"], z = form.elements["timezone"];
              if (!s || !z) return;
              var q = new URLSearchParams({ schedule: s.value, timezone: z.value, viewer_tz: Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC" });
              var mine = ++seq;
              fetch("/ui/preview?" + q.toString().replace(/\+/g, "%20"), { credentials: "same-origin" }).then(function (r) { return r.text(); })
                .then(function (html) { if (mine === seq) target.innerHTML = html; }).catch(function () {});
            }
            form.addEventListener("input", function (e) {
              if (e.target.name !== "schedule" && e.target.name !== "timezone") return;
              clearTimeout(timer); timer = setTimeout(refresh, 200);
            });
            form.addEventListener("click", function (e) {
              var p = e.target.closest("[data-preset]");
              if (!p) return;
              e.preventDefault();
              form.elements["schedule"].value = p.getAttribute("data-preset");
              refresh();
            });
            refresh();
          }
          document.addEventListener("submit", function (e) {
            var msg = e.target.getAttribute("data-confirm");
            if (msg && !window.confirm(msg)) e.preventDefault();
          });
          document.addEventListener("DOMContentLoaded", function () {
            document.querySelectorAll("[data-live]").forEach(live);
            document.querySelectorAll("form[data-preview]").forEach(preview);
            document.querySelectorAll("[data-viewer-tz]").forEach(function (el) {
              el.value = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
            });
          });
        })();
        """#
}
