"""Every page at 1280 and 390 px: screenshots, no horizontal scroll at phone width, the security
headers, and the total weight of the assets the pages load."""
import re

import pytest
from playwright.sync_api import expect

from conftest import DESKTOP, PHONE

ASSET_LIMIT = 100 * 1024
PROMPT = 'echo "## checked 12 services"; echo "11 green, 1 degraded"; echo "disk at 81% on s.store-2" >&2'


@pytest.fixture(scope="module")
def sample(kjob):
    """A job with two finished runs and a paused one, so every page has something to show."""
    slug = kjob.create_job("nightly-report", prompt=PROMPT, schedule="30 2 * * 1-5", timezone="Europe/Lisbon")
    runs = [kjob.run_now(slug) for _ in range(2)]
    for run in runs:
        kjob.wait_run_ended(run)
    paused = kjob.create_job("vendor-sync", schedule="*/15 * * * *")
    status, body = kjob.api("POST", f"/v1/jobs/{paused}/disable", '{"note": "waiting for the vendor fix"}', role="operator")
    assert status == 200, body
    return {"slug": slug, "run": runs[-1]}


def pages(sample):
    return [("login", "/ui/login"), ("overview", "/ui/"), ("jobs", "/ui/jobs"), ("job-new", "/ui/jobs/new"),
            ("job", f"/ui/jobs/{sample['slug']}"), ("job-edit", f"/ui/jobs/{sample['slug']}/edit"),
            ("run", f"/ui/runs/{sample['run']}"), ("audit", "/ui/audit")]


def check_headers(name, response):
    headers = response.headers
    csp = headers.get("content-security-policy", "")
    directives = {d.strip().split(" ", 1)[0]: d.strip() for d in csp.split(";") if d.strip()}
    assert directives.get("frame-ancestors") == "frame-ancestors 'none'", f"{name}: CSP {csp!r} lacks frame-ancestors 'none'"
    assert directives.get("default-src") == "default-src 'none'", f"{name}: CSP {csp!r} lacks default-src 'none'"
    assert directives.get("script-src") == "script-src 'self'", f"{name}: CSP {csp!r}: scripts must be 'self' only"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, f"{name}: CSP {csp!r} allows inline code"
    assert headers.get("x-content-type-options") == "nosniff", f"{name}: no X-Content-Type-Options: nosniff"
    assert headers.get("referrer-policy") == "same-origin", f"{name}: no Referrer-Policy: same-origin"
    assert "no-store" in headers.get("cache-control", ""), f"{name}: pages must be Cache-Control: no-store"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_every_page_renders_within_the_width_with_strict_headers(kjob, contexts, sample, viewport):
    context = contexts(viewport)
    page = context.new_page()
    assets: set[str] = set()
    context.on("request", lambda r: assets.add(r.url) if "/ui/assets/" in r.url else None)
    base = kjob.nodes[0].url
    for name, path in pages(sample):
        if name == "overview":
            kjob.login(page, "admin")
        response = page.goto(base + path)
        assert response.status == 200, f"{name} ({path}) answered {response.status}"
        check_headers(name, response)
        expect(page.locator("#node-id")).to_have_count(1)
        page.wait_for_load_state("load")
        kjob.shot(page, name)
        width = page.evaluate("document.scrollingElement.scrollWidth")
        assert width <= viewport["width"] + 1, f"{name} scrolls sideways at {viewport['width']} px: content is {width} px wide"

    assert assets, "the pages loaded no asset from /ui/assets/"
    total = 0
    for url in sorted(assets):
        assert re.search(r"/ui/assets/console-[0-9a-f]{8}\.(css|js)$", url), f"asset {url} is not versioned as console-<sha8>.css|js"
        response = page.request.get(url)
        assert response.status == 200, f"{url} answered {response.status}"
        assert "immutable" in response.headers.get("cache-control", ""), f"{url} is not served with an immutable cache"
        total += len(response.body())
    print(f"asset weight: {total} bytes over {len(assets)} assets")
    assert total < ASSET_LIMIT, f"the assets weigh {total} bytes; the limit is {ASSET_LIMIT}"


def test_frames_are_refused_by_default(kjob, page):
    response = page.goto(kjob.nodes[1].url + "/ui/login")
    assert "frame-ancestors 'none'" in response.headers.get("content-security-policy", ""), \
        "node 2 must send the same CSP: frame-ancestors 'none' unless http.frame_ancestors says otherwise"
