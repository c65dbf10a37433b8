"""The jobs list: a row per job, search by slug, the paused filter."""
import re
import uuid

from playwright.sync_api import expect


def test_search_and_filter_the_jobs_list(kjob, page):
    tag = uuid.uuid4().hex[:6]
    running = kjob.create_job(f"list-{tag}-a")
    paused = kjob.create_job(f"list-{tag}-b")
    status, body = kjob.api("POST", f"/v1/jobs/{paused}/disable", role="operator")
    assert status == 200, body
    kjob.login(page, "viewer")
    base = kjob.nodes[0].url
    page.goto(base + "/ui/jobs")
    search = page.locator("#jobs-search")
    search.locator("[name=q]").fill(f"list-{tag}")
    search.locator("[name=q]").press("Enter")
    rows = page.locator("#jobs-table tr[data-slug]")
    expect(rows).to_have_count(2)
    expect(page.locator(f'#jobs-table tr[data-slug="{running}"]')).to_have_count(1)
    page.goto(f"{base}/ui/jobs?q=list-{tag}&state=paused")
    expect(rows).to_have_count(1)
    expect(page.locator(f'#jobs-table tr[data-slug="{paused}"]')).to_have_count(1)
    page.locator(f'#jobs-table tr[data-slug="{paused}"] a[href="/ui/jobs/{paused}"]').first.click()
    expect(page.locator("#job-spec")).to_be_visible()


def test_an_admin_deletes_a_job_from_its_page(kjob, page):
    slug = kjob.create_job("doomed")
    kjob.login(page, "admin")
    page.goto(f"{kjob.nodes[0].url}/ui/jobs/{slug}")
    page.locator("#delete").click()  # its confirm prompt is accepted (conftest)
    expect(page).to_have_url(re.compile(r"/ui/jobs(\?.*)?$"))
    expect(page.locator(f'#jobs-table tr[data-slug="{slug}"]')).to_have_count(0)
    status, _ = kjob.api("GET", f"/v1/jobs/{slug}")
    assert status == 404, f"the deleted job still answers {status}"
