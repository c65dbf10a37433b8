"""Roles: a viewer sees no controls and its forged POSTs are refused; a wrong _csrf is refused."""
from playwright.sync_api import expect


def test_viewer_sees_no_controls_and_a_forged_post_is_refused(kjob, page):
    slug = kjob.create_job("viewer")
    base = kjob.nodes[0].url
    kjob.login(page, "viewer")
    page.goto(f"{base}/ui/jobs/{slug}")
    expect(page.locator("#job-spec")).to_be_visible()
    for control in ("#run-now", "#pause", "#resume", "#delete", "#edit"):
        expect(page.locator(control)).to_have_count(0)
    expect(page.locator("#export")).to_have_count(1)  # viewers may export

    csrf = kjob.csrf(page)  # the viewer's own, valid token
    for action, form in (("run", {}), ("pause", {"note": "forged"}), ("delete", {})):
        response = page.request.post(f"{base}/ui/jobs/{slug}/{action}", form={"_csrf": csrf, **form}, max_redirects=0)
        assert response.status == 403, f"a viewer's POST /ui/jobs/{slug}/{action} answered {response.status}, not 403"
    assert kjob.runs(slug) == [], "the forged run-now started a run"
    job = kjob.job(slug)
    assert job["enabled"] is True, "the forged pause paused the job"


def test_a_post_with_a_wrong_csrf_token_is_refused(kjob, page):
    slug = kjob.create_job("csrf")
    base = kjob.nodes[0].url
    kjob.login(page, "admin")
    page.goto(f"{base}/ui/jobs/{slug}")
    csrf = kjob.csrf(page)
    wrong = ("0" if csrf[0] != "0" else "1") + csrf[1:]
    for fields in ({"_csrf": wrong, "note": "forged"}, {"note": "no token at all"}):
        response = page.request.post(f"{base}/ui/jobs/{slug}/pause", form=fields, max_redirects=0)
        assert response.status == 403, f"POST /pause with {fields} answered {response.status}, not 403"
    # The same POST from another origin, with the right token, is refused too.
    response = page.request.post(f"{base}/ui/jobs/{slug}/pause", form={"_csrf": csrf, "note": "cross-site"},
                                 headers={"Origin": "http://evil.example"}, max_redirects=0)
    assert response.status == 403, f"POST /pause from another Origin answered {response.status}, not 403"
    assert kjob.job(slug)["enabled"] is True, "a refused POST paused the job"
    # The right token from the right origin does work (the refusals above were about the token).
    response = page.request.post(f"{base}/ui/jobs/{slug}/pause", form={"_csrf": csrf, "note": "real"}, max_redirects=0)
    assert response.status in (200, 303), f"a valid POST /pause answered {response.status}"
    assert kjob.job(slug)["enabled"] is False
