"""run-now from the job page, then the run page follows the log live while the run is running."""
import re

from playwright.sync_api import expect

LINES = 10
# One stdout line every 0.5 s (~5 s in all), then one line on stderr.
SLOW_PROMPT = f'for i in $(seq 1 {LINES}); do echo "slow line $i"; sleep 0.5; done; echo "done on stderr" >&2'


def test_run_now_and_watch_log_lines_arrive_while_running(kjob, page):
    slug = kjob.create_job("slow", prompt=SLOW_PROMPT)
    kjob.login(page, "operator")
    page.goto(f"{kjob.nodes[0].url}/ui/jobs/{slug}")
    page.locator("#run-now").click()
    expect(page).to_have_url(re.compile(r"/ui/runs/[0-9a-f-]{36}$"))
    run_id = page.url.rsplit("/", 1)[1]
    page.evaluate("window.__kjobNoReload = true")  # gone if the page reloads

    # Lines arrive over SSE while the status still says running: both read in one evaluation.
    seen = page.wait_for_function("""() => {
        const lines = document.querySelectorAll('#log .log-line.stdout').length;
        const status = (document.querySelector('#run-status') || {}).textContent || '';
        return lines >= 2 ? {lines, status: status.trim()} : null;
    }""", timeout=20_000).json_value()
    assert seen["status"] == "running", f"log lines should show while the run is running; status was {seen['status']!r}"
    assert seen["lines"] < LINES, f"all {seen['lines']} lines came at once: not a live follow"

    expect(page.locator("#run-status")).to_have_text("succeeded", timeout=30_000)
    expect(page.locator("#log .log-line.stdout")).to_have_count(LINES)
    expect(page.locator("#log .log-line.stdout").first).to_contain_text("slow line 1")
    expect(page.locator("#log .log-line.stderr")).to_contain_text("done on stderr")
    assert page.evaluate("window.__kjobNoReload === true"), "the run page reloaded instead of following live"
    run = kjob.wait_run_ended(run_id)
    assert run["status"] == "succeeded" and run["triggered_by"] == "browser-operator"
