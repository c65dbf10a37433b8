"""Login with a good and a bad token; logout ends the session."""
import re

from playwright.sync_api import expect


def test_good_token_starts_a_session(kjob, page):
    node = kjob.nodes[0]
    page.goto(node.url + "/ui/")
    expect(page).to_have_url(re.compile(r"/ui/login\?next="))  # no session yet
    kjob.login(page, "operator")
    expect(page).to_have_url(node.url + "/ui/")  # back where the redirect came from
    expect(page.locator("#whoami")).to_contain_text("browser-operator")
    expect(page.locator("#whoami")).to_contain_text("operator")
    expect(page.locator("#node-id")).to_have_text(node.id)
    for href in ("/ui/", "/ui/jobs", "/ui/audit"):
        expect(page.locator(f'nav a[href="{href}"]')).to_have_count(1)
    cookie = next(c for c in page.context.cookies() if c["name"] == "kjob_session")
    assert cookie["httpOnly"], "the session cookie must be HttpOnly"
    assert cookie["sameSite"] == "Strict", f"the session cookie must be SameSite=Strict, is {cookie['sameSite']}"
    assert cookie["path"] == "/ui", f"the session cookie's path must be /ui, is {cookie['path']}"


def test_bad_token_says_so_on_the_form(kjob, page, console):
    node = kjob.nodes[0]
    console.allow_status(401, "/ui/login")
    console.allow_status(403, "/ui/login")
    page.goto(node.url + "/ui/login")
    form = page.locator("#login-form")
    form.locator("input[name=token]").fill("kjob_not-a-real-token-0000000000000000")
    form.locator("input[name=token]").press("Enter")
    expect(page.locator("#login-error")).to_be_visible()
    expect(page.locator("#login-form")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/ui/login"))
    assert not [c for c in page.context.cookies() if c["name"] == "kjob_session"], "a bad token must not start a session"
    page.goto(node.url + "/ui/jobs")
    expect(page).to_have_url(re.compile(r"/ui/login"))


def test_logout_ends_the_session(kjob, page):
    node = kjob.nodes[0]
    kjob.login(page, "viewer")
    page.locator("#logout").click()
    expect(page).to_have_url(re.compile(r"/ui/login"))
    page.goto(node.url + "/ui/jobs")
    expect(page).to_have_url(re.compile(r"/ui/login"))
