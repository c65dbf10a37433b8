"""Both nodes serve the console: a session from one node works on the other, and the overview
open on the standby shows the new active after a kill -9 of the active, without a reload."""
import re
import time

import pytest
from playwright.sync_api import expect


def test_a_session_started_on_one_node_works_on_the_other(kjob, page):
    one, two = kjob.nodes
    kjob.login(page, "viewer", node=one)
    expect(page.locator("#node-id")).to_have_text(one.id)
    # Cookies ignore ports: the browser sends node 1's session cookie to node 2 (same host).
    cookie = next(c for c in page.context.cookies() if c["name"] == "kjob_session")
    page.goto(two.url + "/ui/jobs")
    expect(page).to_have_url(two.url + "/ui/jobs")  # not sent to the login form
    expect(page.locator("#node-id")).to_have_text(two.id)  # served by node 2 itself
    expect(page.locator("#whoami")).to_contain_text("browser-viewer")
    assert next(c for c in page.context.cookies() if c["name"] == "kjob_session")["value"] == cookie["value"]
    # Logging out on node 2 ends the session on node 1 too.
    page.locator("#logout").click()
    expect(page).to_have_url(re.compile(r"/ui/login"))
    page.goto(one.url + "/ui/")
    expect(page).to_have_url(re.compile(r"/ui/login"))


@pytest.mark.disruptive
def test_kill_9_of_the_active_shows_the_new_active_on_the_standby_overview(kjob, page):
    active = kjob.active()
    standby = next(n for n in kjob.nodes if n.id != active.id)
    kjob.login(page, "viewer", node=standby)
    page.goto(standby.url + "/ui/")
    expect(page.locator("#node-id")).to_have_text(standby.id)
    expect(page.locator("#active-node")).to_have_text(active.id)
    epoch_before = int(re.sub(r"\D", "", page.locator("#epoch").inner_text()))
    page.evaluate("window.__kjobNoReload = true")
    try:
        kjob.pair_cmd("kill", str(active.index))
        killed = time.monotonic()
        expect(page.locator("#active-node")).to_have_text(standby.id, timeout=10_000)
        shown_after = time.monotonic() - killed
        print(f"the overview showed the new active {shown_after:.1f} s after the kill -9")
        epoch_after = int(re.sub(r"\D", "", page.locator("#epoch").inner_text()))
        assert epoch_after > epoch_before, f"the epoch shown did not advance ({epoch_before} -> {epoch_after})"
        assert page.evaluate("window.__kjobNoReload === true"), "the overview reloaded instead of updating live"
    finally:
        kjob.pair_cmd("start-node", str(active.index))
        kjob.wait_for_pair(60)
