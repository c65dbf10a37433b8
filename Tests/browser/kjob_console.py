"""The pair under test as the browser tests see it: its nodes, tokens, the JSON API (to set up
jobs and check what a page did), the `kjob` CLI, scripts/pair, and the console's login form."""
from __future__ import annotations

import json
import os
import re
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field

from playwright.sync_api import Page, expect


@dataclass
class Node:
    id: str
    url: str
    index: int  # scripts/pair's node number


@dataclass
class Console:
    nodes: list[Node]
    tokens: dict[str, str]
    bin_dir: str
    pair: str
    screenshots: str
    shot_names: set[str] | None = field(default=None)

    # ------------------------------------------------------------------ the JSON API

    def api(self, method: str, path: str, body: bytes | str | None = None, role: str = "admin",
            node: Node | None = None, content_type: str = "application/json") -> tuple[int, object]:
        """One request to the JSON API; (status, decoded JSON or text). Never raises on a status."""
        data = body.encode() if isinstance(body, str) else body
        request = urllib.request.Request((node or self.nodes[0]).url + path, data=data, method=method)
        request.add_header("Authorization", f"Bearer {self.tokens[role]}")
        if data is not None:
            request.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        try:
            return status, json.loads(raw) if raw else None
        except ValueError:
            return status, raw.decode(errors="replace")

    def create_job(self, prefix: str, agent: str = "shell", prompt: str = "echo hello",
                   schedule: str = "0 0 1 1 *", timezone: str = "UTC", extra: str = "") -> str:
        """A job applied through the API (admin); returns its unique slug."""
        slug = f"{prefix}-{uuid.uuid4().hex[:8]}"
        toml = (f'[job]\nslug = {json.dumps(slug)}\nprompt = {json.dumps(prompt)}\nagent = {json.dumps(agent)}\n'
                f'schedule = {json.dumps(schedule)}\ntimezone = {json.dumps(timezone)}\ntimeout = "60s"\n{extra}')
        status, body = self.api("PUT", f"/v1/jobs/{slug}", toml, content_type="application/toml")
        assert status in (200, 201), f"PUT /v1/jobs/{slug} answered {status}: {body}"
        return slug

    def job(self, slug: str) -> dict:
        status, body = self.api("GET", f"/v1/jobs/{slug}")
        assert status == 200, f"GET /v1/jobs/{slug} answered {status}: {body}"
        return body

    def runs(self, slug: str) -> list[dict]:
        status, body = self.api("GET", f"/v1/jobs/{slug}/runs")
        assert status == 200, f"GET /v1/jobs/{slug}/runs answered {status}: {body}"
        return body["runs"]

    def run_now(self, slug: str) -> str:
        status, body = self.api("POST", f"/v1/jobs/{slug}/run", role="operator")
        assert status == 202, f"run-now of {slug} answered {status}: {body}"
        return body["id"]

    def wait_run_ended(self, run_id: str, limit: float = 60) -> dict:
        return self.wait_for(f"run {run_id} to end", lambda: self._ended(run_id), limit)

    def _ended(self, run_id: str):
        status, body = self.api("GET", f"/v1/runs/{run_id}")
        return body if status == 200 and body.get("status") not in ("queued", "running") else None

    def cluster(self, node: Node | None = None) -> dict | None:
        status, body = self.api("GET", "/v1/cluster", role="viewer", node=node)
        return body if status == 200 else None

    @staticmethod
    def wait_for(what: str, condition, limit: float = 30, interval: float = 0.1):
        """Polls `condition` until it returns something truthy; fails after `limit` seconds."""
        deadline = time.monotonic() + limit
        while True:
            value = condition()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {limit:g} s waiting for {what}")
            time.sleep(interval)

    # ------------------------------------------------------------------ the pair

    def node(self, node_id: str) -> Node:
        return next(n for n in self.nodes if n.id == node_id)

    def roles(self) -> dict[str, str]:
        """node id -> active | standby | down, as the API reports it (asking any node that answers)."""
        for node in self.nodes:
            try:
                view = self.cluster(node)
            except OSError:
                continue
            if view:
                return {n["id"]: n["role"] for n in view["nodes"]}
        return {}

    def wait_for_pair(self, limit: float = 60) -> dict[str, str]:
        """Both nodes up, one active and one standby."""
        return self.wait_for("one active and one standby node", lambda: (
            r if sorted((r := self.roles()).get(n.id) for n in self.nodes) == ["active", "standby"] else None), limit, 0.2)

    def active(self) -> Node:
        roles = self.wait_for_pair()
        return self.node(next(i for i, r in roles.items() if r == "active"))

    def pair_cmd(self, *args: str) -> str:
        done = subprocess.run([self.pair, *args], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, f"scripts/pair {' '.join(args)} failed: {done.stderr}"
        return done.stdout

    # ------------------------------------------------------------------ the CLI

    def kjob_cron(self, expression: str, timezone: str, count: int = 10) -> tuple[str, list[str]]:
        """`kjob cron --timezone ZONE --count N 'EXPR'`: (description, fires)."""
        done = subprocess.run([os.path.join(self.bin_dir, "kjob"), "cron", "--timezone", timezone, "--count", str(count), expression],
                              capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, f"kjob cron {expression!r} failed: {done.stderr}"
        lines = done.stdout.splitlines()
        return lines[0], lines[1:]

    # ------------------------------------------------------------------ the console

    def login(self, page: Page, role: str = "admin", node: Node | None = None) -> Page:
        """Signs in through the login form; returns on the page the form led to."""
        base = (node or self.nodes[0]).url
        page.goto(base + "/ui/login")
        form = page.locator("#login-form")
        form.locator("input[name=token]").fill(self.tokens[role])
        form.locator("input[name=token]").press("Enter")
        expect(page).not_to_have_url(re.compile(r"/ui/login"))
        return page

    def csrf(self, page: Page) -> str:
        """The session's CSRF token, from any form on the page (the logout form is on every page)."""
        value = page.locator("input[name=_csrf]").first.input_value()
        assert value, "the page has no _csrf field"
        return value

    def shot(self, page: Page, name: str) -> str | None:
        """A full-page PNG named NAME-WIDTH.png. When the screenshots directory already holds PNGs
        and is not .run/ (docs/screenshots), only those names are rewritten."""
        os.makedirs(self.screenshots, exist_ok=True)
        if self.shot_names is None:
            existing = {f for f in os.listdir(self.screenshots) if f.endswith(".png")}
            self.shot_names = existing if existing and "/.run/" not in self.screenshots + "/" else set()
        file = f"{name}-{page.viewport_size['width']}.png"
        if self.shot_names and file not in self.shot_names:
            return None
        path = os.path.join(self.screenshots, file)
        page.screenshot(path=path, full_page=True)
        return path
