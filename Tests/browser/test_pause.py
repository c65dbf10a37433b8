"""Pause with a note: the note shows on the job page and in the audit page; resume clears it."""
import uuid

from playwright.sync_api import expect


def test_pause_with_a_note_shows_on_the_job_page_and_in_the_audit(kjob, page):
    slug = kjob.create_job("pause")
    note = f"waiting for the vendor fix {uuid.uuid4().hex[:6]}"
    kjob.login(page, "operator")
    base = kjob.nodes[0].url
    page.goto(f"{base}/ui/jobs/{slug}")
    expect(page.locator("#pause-note")).to_have_count(0)
    pause_form = page.locator("form:has(#pause)")
    pause_form.locator("[name=note]").fill(note)
    page.locator("#pause").click()

    expect(page.locator("#pause-note")).to_contain_text(note)
    expect(page.locator("#resume")).to_be_visible()
    expect(page.locator("#pause")).to_have_count(0)
    job = kjob.job(slug)
    assert job["enabled"] is False and job["pause_note"] == note and job["paused_by"] == "browser-operator"

    page.goto(f"{base}/ui/audit?job={slug}")
    row = page.locator('#audit-table tr[data-action="job.disable"]')
    expect(row).to_have_count(1)
    expect(row).to_contain_text(note)
    expect(row).to_contain_text("browser-operator")
    expect(page.locator("#audit-filter")).to_be_visible()

    page.goto(f"{base}/ui/jobs/{slug}")
    page.locator("#resume").click()
    expect(page.locator("#pause")).to_be_visible()
    expect(page.locator("#pause-note")).to_have_count(0)
    assert kjob.job(slug)["enabled"] is True
