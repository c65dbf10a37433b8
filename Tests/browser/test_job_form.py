"""The job form: presets, the live preview against `kjob cron`, creating a job, field errors."""
import re
import uuid
from datetime import datetime

from playwright.sync_api import expect

from conftest import VIEWER_ZONE


def fill(page, name: str, value: str) -> None:
    """Sets a job-form field whatever control the page uses for it (input, textarea or select)."""
    field = page.locator(f"#job-form [name={name}]").first
    if field.evaluate("e => e.tagName") == "SELECT":
        field.select_option(value)
    else:
        field.fill(value)


def submit(page) -> None:
    page.locator("#job-form").evaluate("form => form.requestSubmit()")


def test_live_preview_equals_kjob_cron_and_the_form_creates_the_job(kjob, page):
    kjob.login(page, "admin")
    page.goto(kjob.nodes[0].url + "/ui/jobs/new")
    expect(page.locator("#job-form")).to_be_visible()

    # A preset fills the schedule field with its expression.
    preset = page.locator("#job-form [data-preset]").first
    expression = preset.get_attribute("data-preset")
    preset.click()
    expect(page.locator("#job-form [name=schedule]")).to_have_value(expression)

    # Monthly in a zone with DST: the next 10 fires cross at least one offset change.
    schedule, zone = "0 9 1 * *", "Europe/Lisbon"
    fill(page, "schedule", schedule)
    fill(page, "timezone", zone)
    description, fires = kjob.kjob_cron(schedule, zone)
    assert len(fires) == 10
    items = page.locator("#preview ol#preview-fires > li")  # a .dst-note item is a fire too
    # Waits for the live preview to catch up with the typing; each item starts with its fire exactly
    # as `kjob cron` prints it (the page may add the viewer's local time after it).
    expect(items).to_have_text([re.compile("^" + re.escape(fire) + r"(\s|$)") for fire in fires])
    expect(page.locator("#preview-description")).to_have_text(description)
    # Each fire also in the viewer's zone (the browser's), the same instant.
    for index, fire in enumerate(fires):
        viewer = items.nth(index).get_attribute("data-viewer")
        assert viewer, f"fire {fire} has no data-viewer"
        assert datetime.fromisoformat(viewer) == datetime.fromisoformat(fire), f"{viewer} is not the instant {fire}"
        assert datetime.fromisoformat(viewer).utcoffset() == datetime.fromisoformat("2026-01-01T00:00:00+09:00").utcoffset(), \
            f"{viewer} is not in the viewer's zone {VIEWER_ZONE}"
    offsets = [datetime.fromisoformat(f).utcoffset() for f in fires]
    assert any(a != b for a, b in zip(offsets, offsets[1:])), "the chosen schedule should cross a DST change"
    assert page.locator("#preview .dst-note").count() >= 1, "the preview notes no DST shift though the offsets change"

    # Create it.
    slug = f"form-{uuid.uuid4().hex[:8]}"
    fill(page, "slug", slug)
    fill(page, "agent", "shell")
    fill(page, "prompt", "echo created through the form")
    submit(page)
    expect(page).to_have_url(re.compile(rf"/ui/jobs/{slug}$"))
    expect(page.locator("#job-spec")).to_contain_text(schedule)
    job = kjob.job(slug)
    assert (job["schedule"], job["timezone"]) == (schedule, zone)
    assert job["spec"]["agent"] == "shell" and job["spec"]["prompt"] == "echo created through the form"
    assert job["created_by"] == "browser-admin", "the job must be created (and audited) under the session's token"


def assert_error_beside(page, field: str) -> None:
    error = page.locator(f"#error-{field}")
    expect(error).to_be_visible()
    expect(error).to_have_class(re.compile(r"\bfield-error\b"))
    control = page.locator(f"#job-form [name={field}]").first
    expect(control).to_have_attribute("aria-invalid", "true")
    expect(control).to_have_attribute("aria-describedby", f"error-{field}")
    assert control.evaluate("e => e.nextElementSibling && e.nextElementSibling.id") == f"error-{field}", \
        f"#error-{field} must come right after the {field} input"


def test_field_errors_appear_beside_their_fields(kjob, page, console):
    for status in (400, 422):
        console.allow_status(status, "/ui/jobs/new")
        console.allow_status(status, "/ui/preview")
    kjob.login(page, "admin")
    slug = f"bad-{uuid.uuid4().hex[:8]}"

    page.goto(kjob.nodes[0].url + "/ui/jobs/new")
    fill(page, "slug", slug)
    fill(page, "agent", "shell")
    fill(page, "prompt", "echo never")
    fill(page, "timezone", "UTC")
    fill(page, "schedule", "61 * * * *")  # minute out of range
    submit(page)
    assert_error_beside(page, "schedule")
    expect(page.locator("#error-timezone")).to_have_count(0)
    expect(page.locator("#job-form [name=slug]")).to_have_value(slug)  # the form keeps what was typed

    if page.locator("#job-form [name=timezone]").first.evaluate("e => e.tagName") != "SELECT":
        fill(page, "schedule", "*/5 * * * *")
        fill(page, "timezone", "Mars/Olympus_Mons")
        submit(page)
        assert_error_beside(page, "timezone")
        expect(page.locator("#error-schedule")).to_have_count(0)

    status, _ = kjob.api("GET", f"/v1/jobs/{slug}")
    assert status == 404, "a form with errors must not create the job"
