#!/usr/bin/env python3
"""The drill checker: proves a failover drill lost nothing and ran nothing twice.

    scripts/drill_check.py check --scenario NAME --from T0 --to T1 [--interval 1]
        --ledger FILE --runs-csv FILE [--sink FILE] [--leader FILE --fault-at T --takeover MODE]
        [--summary-json FILE]
    scripts/drill_check.py export-runs --job SLUG > runs.csv     (via scripts/pg psql)
    scripts/drill_check.py poll-leader --out FILE [--interval 0.1] (via scripts/pg psql; until killed)
    scripts/drill_check.py --self-test

Inputs
  ledger    lines "<KJOB_SCHEDULED_FOR> <KJOB_RUN_ID> <node> <attempt> <epoch>" appended by
            examples/demo-agent (DEMO_AGENT_LEDGER) — what the children really did.
  runs-csv  kjob.job_runs of the drill job: id,slug,scheduled_for(epoch s),attempt,status,reason,
            node,epoch,manual — what the scheduler says it did.
  sink      the relay sink's JSON lines (kjob-relay-sink --out): what was delivered.
  leader    samples "<t> <epoch> <holder> <heartbeat_at> <since>" of kjob.leader (poll-leader).
  T0, T1    the window of scheduled instants to account for (epoch seconds or RFC 3339), [T0, T1).

Rules (each breach is a violation; any violation exits 1)
  gap            a due instant in the window has no first-attempt run row at all
  duplicate      an instant ran (ledger) more than once, except earlier attempts that ended
                 lost/failed/timed_out and were retried; or one run id appears twice in the ledger
  skipped-ran    an instant recorded `skipped` also appears in the ledger
  skipped-reason a `skipped` run without a reason
  double-fire    two first-attempt (non-manual) rows for one instant
  unexpected     a run at an instant that is not on the job's interval grid
  phantom        a ledger line whose run id is not in the runs table
  not-run        a run marked succeeded that left no ledger line
  unfinished     a run in the window still queued/running at the end
  dispatch       with --sink: a finished run without exactly one accepted dispatch at the sink,
                 a dispatch for an unknown run, or one Idempotency-Key accepted twice
Takeover: from --fault-at to the first heartbeat of a new epoch (MODE new-epoch), or the first
heartbeat after the fault of any epoch (MODE any-heartbeat, for a Postgres restart), or none.
"""
from __future__ import annotations

import argparse
import csv
import dataclasses
import datetime as dt
import io
import json
import os
import select
import subprocess
import sys
import tempfile
import time
import unittest
from collections import defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TERMINAL = {"succeeded", "failed", "timed_out", "cancelled", "lost", "skipped"}
RETRIABLE_ENDS = {"lost", "failed", "timed_out"}
DISPATCHED = {"succeeded", "failed", "timed_out"}


def parse_time(text: str) -> float:
    """Epoch seconds from a number or an RFC 3339 / ISO 8601 time ('Z' or an offset)."""
    text = text.strip()
    try:
        return float(text)
    except ValueError:
        pass
    if text.endswith("Z") or text.endswith("z"):
        text = text[:-1] + "+00:00"
    when = dt.datetime.fromisoformat(text)
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return when.timestamp()


def key(t: float) -> int:
    """Instants are compared at millisecond resolution."""
    return round(t * 1000)


def fmt(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclasses.dataclass
class Run:
    id: str
    scheduled_for: int  # ms
    attempt: int
    status: str
    reason: str
    node: str
    epoch: int
    manual: bool


@dataclasses.dataclass
class LedgerLine:
    scheduled_for: int
    run_id: str
    node: str
    line_no: int


@dataclasses.dataclass
class Result:
    scenario: str
    expected: int = 0
    ran: int = 0
    skipped: int = 0
    retried: int = 0
    dispatched: int = 0
    takeover_ms: float | None = None
    violations: list[tuple[str, str]] = dataclasses.field(default_factory=list)

    def add(self, rule: str, detail: str) -> None:
        self.violations.append((rule, detail))

    @property
    def ok(self) -> bool:
        return not self.violations

    def to_json(self) -> dict:
        counts: dict[str, int] = defaultdict(int)
        for rule, _ in self.violations:
            counts[rule] += 1
        return {"scenario": self.scenario, "expected": self.expected, "ran": self.ran,
                "skipped": self.skipped, "retried": self.retried, "dispatched": self.dispatched,
                "takeover_ms": self.takeover_ms, "violations": dict(counts), "ok": self.ok}


def read_ledger(lines: list[str]) -> tuple[list[LedgerLine], list[str]]:
    out, bad = [], []
    for n, line in enumerate(lines, 1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) < 3:
            bad.append(f"ledger line {n}: expected '<scheduled_for> <run_id> <node> ...', got {line.strip()!r}")
            continue
        try:
            out.append(LedgerLine(key(parse_time(parts[0])), parts[1], parts[2], n))
        except ValueError:
            bad.append(f"ledger line {n}: bad time {parts[0]!r}")
    return out, bad


def read_runs(text: str) -> list[Run]:
    runs = []
    for row in csv.DictReader(io.StringIO(text)):
        runs.append(Run(
            id=row["id"], scheduled_for=key(parse_time(row["scheduled_for"])), attempt=int(row["attempt"]),
            status=row["status"], reason=row.get("reason") or "", node=row.get("node") or "",
            epoch=int(row.get("epoch") or 0), manual=(row.get("manual") or "f").lower() in ("t", "true", "1")))
    return runs


def read_sink(lines: list[str]) -> tuple[list[dict], list[str]]:
    out, bad = [], []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError as e:
            bad.append(f"sink line {n}: not JSON ({e})")
    return out, bad


def read_leader(lines: list[str]) -> list[tuple[float, int, str, float, float]]:
    samples = []
    for line in lines:
        parts = line.split()
        if len(parts) < 5:
            continue
        try:
            samples.append((float(parts[0]), int(parts[1]), parts[2], float(parts[3] or 0), float(parts[4] or 0)))
        except ValueError:
            continue
    return samples


def takeover(samples: list[tuple[float, int, str, float, float]], fault_at: float, mode: str) -> float | None:
    """Milliseconds from the fault to the recovering heartbeat, or None if never seen."""
    if mode == "none" or not samples:
        return None
    before = [s for s in samples if s[0] <= fault_at]
    epoch0 = before[-1][1] if before else samples[0][1]
    for t, epoch, _holder, heartbeat_at, since in samples:
        if t < fault_at:
            continue
        if mode == "new-epoch" and epoch > epoch0 and (heartbeat_at or since):
            first = min(x for x in (heartbeat_at, since) if x) if heartbeat_at and since else (heartbeat_at or since)
            return max(0.0, (first - fault_at) * 1000)
        if mode == "any-heartbeat" and heartbeat_at > fault_at:
            return (heartbeat_at - fault_at) * 1000
    return None


def check_epochs(res: Result, runs: list[Run], samples: list[tuple[float, int, str, float, float]]) -> None:
    """Each epoch was held by exactly one node, and the epoch only grows (a Postgres failover that
    lost the last epoch bump would hand the same epoch out again, or go back to an older one)."""
    holders: dict[int, set[str]] = defaultdict(set)
    for _t, epoch, holder, _hb, _since in samples:
        if holder not in ("", "-"):
            holders[epoch].add(holder)
    for r in runs:
        # The node and epoch a run was claimed under (skipped rows are written without a node).
        if r.node and r.epoch > 0:
            holders[r.epoch].add(r.node)
    for epoch, nodes in sorted(holders.items()):
        if len(nodes) > 1:
            res.add("epochs", f"epoch {epoch} was held by {len(nodes)} nodes ({', '.join(sorted(nodes))})")
    highest = None
    for t, epoch, _holder, _hb, _since in sorted(samples):
        if highest is not None and epoch < highest[1]:
            res.add("epochs", f"the epoch went back from {highest[1]} to {epoch} at {fmt(key(t))}")
        if highest is None or epoch > highest[1]:
            highest = (t, epoch)


def check(scenario: str, t0: float, t1: float, interval: float, ledger_lines: list[str], runs_csv: str,
          sink_lines: list[str] | None = None, leader_lines: list[str] | None = None,
          fault_at: float | None = None, takeover_mode: str = "none") -> Result:
    res = Result(scenario)
    step = key(interval)
    start = -(-key(t0) // step) * step  # first grid instant >= t0
    end = key(t1)
    expected = list(range(start, end, step))
    res.expected = len(expected)
    in_window = set(expected)

    ledger, bad = read_ledger(ledger_lines)
    for b in bad:
        res.add("ledger-format", b)
    runs = [r for r in read_runs(runs_csv) if not r.manual]
    by_id = {r.id: r for r in runs}
    runs_at: dict[int, list[Run]] = defaultdict(list)
    for r in runs:
        runs_at[r.scheduled_for].append(r)
        if r.scheduled_for % step != 0:
            res.add("unexpected", f"run {r.id} at {fmt(r.scheduled_for)} is not on the {interval:g}s grid")

    ledger_at: dict[int, list[LedgerLine]] = defaultdict(list)
    seen_ids: dict[str, LedgerLine] = {}
    for line in ledger:
        if line.run_id in seen_ids:
            res.add("duplicate", f"run {line.run_id} ({fmt(line.scheduled_for)}) appears twice in the ledger "
                                 f"(lines {seen_ids[line.run_id].line_no} and {line.line_no})")
        seen_ids[line.run_id] = line
        ledger_at[line.scheduled_for].append(line)
        run = by_id.get(line.run_id)
        if run is None:
            if line.scheduled_for in in_window:
                res.add("phantom", f"ledger line {line.line_no}: run {line.run_id} at {fmt(line.scheduled_for)} is not in the runs table")
        elif run.scheduled_for != line.scheduled_for:
            res.add("phantom", f"ledger line {line.line_no}: run {line.run_id} is scheduled for {fmt(run.scheduled_for)}, "
                               f"the child saw {fmt(line.scheduled_for)}")

    for s in expected:
        rows = sorted(runs_at.get(s, []), key=lambda r: r.attempt)
        firsts = [r for r in rows if r.attempt == 1]
        lines = ledger_at.get(s, [])
        if not firsts:
            res.add("gap", f"{fmt(s)}: no run and no skipped record" + (f" (ledger has {len(lines)} line(s))" if lines else ""))
            continue
        if len(firsts) > 1:
            res.add("double-fire", f"{fmt(s)}: {len(firsts)} first-attempt runs ({', '.join(r.id for r in firsts)})")
        if any(r.status == "skipped" for r in rows):
            res.skipped += 1
            for r in rows:
                if r.status == "skipped" and not r.reason:
                    res.add("skipped-reason", f"{fmt(s)}: run {r.id} is skipped without a reason")
            if lines:
                res.add("skipped-ran", f"{fmt(s)}: recorded skipped but the ledger shows {len(lines)} execution(s)")
            continue
        for r in rows:
            if r.status not in TERMINAL:
                res.add("unfinished", f"{fmt(s)}: run {r.id} attempt {r.attempt} is still {r.status}")
        if any(r.attempt > 1 for r in rows):
            res.retried += 1
        # Executions beyond one are allowed only for attempts that ended lost/failed/timed_out.
        ran_ids = {l.run_id for l in lines}
        successes = [r for r in rows if r.id in ran_ids and r.status not in RETRIABLE_ENDS]
        if len(lines) > 1 and (len(successes) > 1 or len(lines) > len(rows)):
            res.add("duplicate", f"{fmt(s)}: ran {len(lines)} times (runs {', '.join(sorted(ran_ids))}; "
                                 f"statuses {', '.join(r.status for r in rows)})")
        for r in rows:
            if r.status == "succeeded" and r.id not in ran_ids:
                res.add("not-run", f"{fmt(s)}: run {r.id} is succeeded but left no ledger line")
        if lines:
            res.ran += 1

    if sink_lines is not None:
        records, bad = read_sink(sink_lines)
        for b in bad:
            res.add("dispatch", b)
        by_key: dict[str, int] = defaultdict(int)
        by_run: dict[str, int] = defaultdict(int)
        for rec in records:
            by_key[rec.get("idempotency_key", "")] += 1
            run_id = ((rec.get("body") or {}).get("run") or {}).get("id", "")
            by_run[run_id] += 1
            run = by_id.get(run_id)
            if run is None:
                sched = ((rec.get("body") or {}).get("run") or {}).get("scheduled_for")
                if sched is None or key(parse_time(str(sched))) in in_window:
                    res.add("dispatch", f"dispatch {rec.get('idempotency_key')} is for unknown run {run_id!r}")
        for k, n in by_key.items():
            if n > 1:
                res.add("dispatch", f"Idempotency-Key {k} accepted {n} times")
        for r in runs:
            if r.scheduled_for not in in_window:
                continue
            n = by_run.get(r.id, 0)
            if r.status in DISPATCHED and n != 1:
                res.add("dispatch", f"{fmt(r.scheduled_for)}: run {r.id} ({r.status}) has {n} accepted dispatches, expected 1")
            elif r.status not in DISPATCHED and n > 1:
                res.add("dispatch", f"{fmt(r.scheduled_for)}: run {r.id} ({r.status}) has {n} accepted dispatches")
            res.dispatched += min(n, 1)

    check_epochs(res, runs, read_leader(leader_lines) if leader_lines is not None else [])

    if leader_lines is not None and fault_at is not None:
        res.takeover_ms = takeover(read_leader(leader_lines), fault_at, takeover_mode)
        if takeover_mode != "none" and res.takeover_ms is None:
            res.add("takeover", f"no {takeover_mode} heartbeat observed after the fault")
    return res


def print_result(res: Result, out=sys.stdout) -> None:
    tk = "-" if res.takeover_ms is None else f"{res.takeover_ms:.0f} ms"
    print(f"{'scenario':<16} {'expected':>8} {'ran':>6} {'skipped':>7} {'retried':>7} {'dispatched':>10} {'takeover':>10}  verdict", file=out)
    print(f"{res.scenario:<16} {res.expected:>8} {res.ran:>6} {res.skipped:>7} {res.retried:>7} {res.dispatched:>10} {tk:>10}  "
          f"{'OK' if res.ok else 'FAIL (' + str(len(res.violations)) + ' violations)'}", file=out)
    shown: dict[str, int] = defaultdict(int)
    for rule, detail in res.violations:
        shown[rule] += 1
        if shown[rule] <= 10:
            print(f"  violation {rule}: {detail}", file=out)
    for rule, n in shown.items():
        if n > 10:
            print(f"  ... and {n - 10} more {rule} violations", file=out)


def read_lines(path: str | None) -> list[str] | None:
    if path is None:
        return None
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.readlines()


def psql_command() -> list[str]:
    """scripts/pg psql, or scripts/pg-ha psql (the current primary) when KJOB_DRILL_PG=ha."""
    script = "pg-ha" if os.environ.get("KJOB_DRILL_PG") == "ha" else "pg"
    return [os.path.join(ROOT, "scripts", script), "psql"]


def psql(args: list[str], **kw) -> subprocess.CompletedProcess:
    env = dict(os.environ, KJOB_PG_NAME=os.environ.get("KJOB_PG_NAME", "drill"))
    return subprocess.run([*psql_command(), "-X", "-v", "ON_ERROR_STOP=1", *args], env=env, **kw)


RUNS_QUERY = """COPY (SELECT r.id, j.slug, extract(epoch FROM r.scheduled_for) AS scheduled_for, r.attempt,
  r.status, coalesce(r.reason, '') AS reason, coalesce(r.node, '') AS node, coalesce(r.epoch, 0) AS epoch,
  r.manual FROM {schema}.job_runs r JOIN {schema}.jobs j ON j.id = r.job_id
  WHERE j.slug = '{slug}' ORDER BY 3, 4) TO STDOUT WITH (FORMAT csv, HEADER true)"""

LEADER_QUERY = ("SELECT extract(epoch FROM clock_timestamp()), epoch, coalesce(holder, '-'), "
                "coalesce(extract(epoch FROM heartbeat_at), 0), coalesce(extract(epoch FROM since), 0) FROM {schema}.leader;")


def cmd_export_runs(a: argparse.Namespace) -> int:
    if not a.job.replace("-", "").isalnum():
        print("drill_check: --job must be a job slug", file=sys.stderr)
        return 2
    p = psql(["-Atc", RUNS_QUERY.format(schema=a.schema, slug=a.job)])
    return p.returncode


def cmd_poll_leader(a: argparse.Namespace) -> int:
    """Samples kjob.leader every interval through one long-lived psql; keeps going across restarts."""
    query = LEADER_QUERY.format(schema=a.schema)
    with open(a.out, "a", buffering=1) as out:
        while True:
            env = dict(os.environ, KJOB_PG_NAME=os.environ.get("KJOB_PG_NAME", "drill"))
            proc = subprocess.Popen([*psql_command(), "-X", "-At", "-F", " "],
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                    text=True, bufsize=1, env=env)
            try:
                while True:
                    proc.stdin.write(query + "\n")
                    proc.stdin.flush()
                    # psql that lost its server may stay alive and silent: bound each answer.
                    ready, _, _ = select.select([proc.stdout], [], [], 2.0)
                    if not ready:
                        break
                    line = proc.stdout.readline()
                    if not line:
                        break
                    out.write(line)
                    time.sleep(a.interval)
            except (BrokenPipeError, OSError):
                pass
            proc.kill()
            proc.wait()
            time.sleep(a.interval)


def cmd_check(a: argparse.Namespace) -> int:
    with open(a.runs_csv, encoding="utf-8") as f:
        runs_csv = f.read()
    res = check(a.scenario, parse_time(a.t0), parse_time(a.t1), a.interval, read_lines(a.ledger) or [], runs_csv,
                sink_lines=read_lines(a.sink), leader_lines=read_lines(a.leader),
                fault_at=parse_time(a.fault_at) if a.fault_at else None, takeover_mode=a.takeover)
    print_result(res)
    if a.summary_json:
        with open(a.summary_json, "w") as f:
            json.dump(res.to_json(), f)
    return 0 if res.ok else 1


# ---------------------------------------------------------------- self-test (synthetic ledgers)

class SelfTest(unittest.TestCase):
    T0 = 1_800_000_000  # an epoch second

    def iso(self, t: float) -> str:
        return dt.datetime.fromtimestamp(t, dt.timezone.utc).isoformat().replace("+00:00", "Z")

    def scenario(self, n=10, skip=(), dup=(), missing_row=(), missing_ledger=(), retry_lost=(),
                 skipped_no_reason=(), sink=True, sink_dup=(), sink_missing=(), unfinished=()):
        """Synthetic data for n one-second fires starting at T0, with chosen defects."""
        ledger, rows, sinkl = [], ["id,slug,scheduled_for,attempt,status,reason,node,epoch,manual"], []
        for i in range(n):
            t = self.T0 + i
            if i in missing_row:
                continue
            rid = f"run-{i}"
            if i in skip or i in skipped_no_reason:
                rows.append(f"{rid},drill,{t},1,skipped,{'' if i in skipped_no_reason else 'missed'},s.sched-2,2,f")
                continue
            if i in retry_lost:
                rows.append(f"{rid}a,drill,{t},1,lost,,s.sched-1,1,f")
                ledger.append(f"{self.iso(t)} {rid}a s.sched-1 1 1")
                rows.append(f"{rid},drill,{t}.000,2,succeeded,,s.sched-2,2,f")
            else:
                rows.append(f"{rid},drill,{t},1,{'running' if i in unfinished else 'succeeded'},,s.sched-1,1,f")
            if i not in missing_ledger:
                ledger.append(f"{self.iso(t)} {rid} s.sched-1 1 1")
            if i in dup:
                ledger.append(f"{self.iso(t)} {rid}-again s.sched-2 1 2")
                rows.append(f"{rid}-again,drill,{t},1,succeeded,,s.sched-2,2,f")
            if sink and i not in sink_missing and i not in unfinished:
                rec = {"idempotency_key": f"d-{i}", "body": {"run": {"id": rid, "scheduled_for": self.iso(t)}}}
                sinkl.append(json.dumps(rec))
                if i in sink_dup:
                    rec2 = {"idempotency_key": f"d-{i}-2", "body": {"run": {"id": rid, "scheduled_for": self.iso(t)}}}
                    sinkl.append(json.dumps(rec2))
        return ledger, "\n".join(rows) + "\n", sinkl

    def run_check(self, ledger, runs, sinkl, n=10, **kw):
        return check("test", self.T0, self.T0 + n, 1, [l + "\n" for l in ledger], runs, sink_lines=sinkl, **kw)

    def rules(self, res):
        return sorted({r for r, _ in res.violations})

    def test_clean_run_passes(self):
        res = self.run_check(*self.scenario())
        self.assertTrue(res.ok, res.violations)
        self.assertEqual((res.expected, res.ran, res.dispatched), (10, 10, 10))

    def test_catches_duplicate_execution(self):
        res = self.run_check(*self.scenario(dup={4}))
        self.assertIn("duplicate", self.rules(res))
        self.assertIn("double-fire", self.rules(res))

    def test_catches_same_run_twice_in_ledger(self):
        ledger, runs, sinkl = self.scenario()
        ledger.append(ledger[3])
        res = self.run_check(ledger, runs, sinkl)
        self.assertEqual(self.rules(res), ["duplicate"])

    def test_catches_gap(self):
        res = self.run_check(*self.scenario(missing_row={6}))
        self.assertEqual(self.rules(res), ["gap"])
        self.assertIn("no run and no skipped record", res.violations[0][1])

    def test_skipped_with_reason_is_accounted_for(self):
        res = self.run_check(*self.scenario(skip={2, 3}))
        self.assertTrue(res.ok, res.violations)
        self.assertEqual((res.ran, res.skipped), (8, 2))

    def test_skipped_without_reason_fails(self):
        res = self.run_check(*self.scenario(skipped_no_reason={2}))
        self.assertEqual(self.rules(res), ["skipped-reason"])

    def test_skipped_that_ran_fails(self):
        ledger, runs, sinkl = self.scenario(skip={5})
        ledger.append(f"{self.iso(self.T0 + 5)} run-5 s.sched-1 1 1")
        res = self.run_check(ledger, runs, sinkl)
        self.assertIn("skipped-ran", self.rules(res))

    def test_lost_then_retried_is_not_a_duplicate(self):
        res = self.run_check(*self.scenario(retry_lost={5}))
        self.assertTrue(res.ok, res.violations)
        self.assertEqual(res.retried, 1)

    def test_succeeded_without_ledger_line_fails(self):
        res = self.run_check(*self.scenario(missing_ledger={1}))
        self.assertEqual(self.rules(res), ["not-run"])

    def test_phantom_ledger_line_fails(self):
        ledger, runs, sinkl = self.scenario()
        ledger.append(f"{self.iso(self.T0 + 2)} nobody s.sched-2 1 9")
        res = self.run_check(ledger, runs, sinkl)
        self.assertIn("phantom", self.rules(res))
        self.assertIn("duplicate", self.rules(res))

    def test_unfinished_run_fails(self):
        res = self.run_check(*self.scenario(unfinished={9}))
        self.assertEqual(self.rules(res), ["unfinished"])

    def test_dispatch_missing_and_duplicate(self):
        res = self.run_check(*self.scenario(sink_missing={1}, sink_dup={2}))
        self.assertEqual(self.rules(res), ["dispatch"])
        self.assertEqual(len(res.violations), 2)

    def test_same_idempotency_key_twice_fails(self):
        ledger, runs, sinkl = self.scenario()
        sinkl.append(sinkl[0])
        res = self.run_check(ledger, runs, sinkl)
        self.assertTrue(any("accepted 2 times" in d for _, d in res.violations), res.violations)

    def test_off_grid_run_fails(self):
        ledger, runs, sinkl = self.scenario()
        runs += f"odd,drill,{self.T0 + 3.5},1,succeeded,,s.sched-1,1,f\n"
        res = self.run_check(ledger, runs, sinkl)
        self.assertIn("unexpected", self.rules(res))

    def test_window_excludes_outside_fires(self):
        ledger, runs, sinkl = self.scenario(n=10, missing_row={0, 9})
        res = check("w", self.T0 + 1, self.T0 + 9, 1, [l + "\n" for l in ledger], runs, sink_lines=sinkl)
        self.assertTrue(res.ok, res.violations)
        self.assertEqual(res.expected, 8)

    def test_times_in_offsets_and_fractions(self):
        self.assertEqual(key(parse_time("2026-11-22T12:00:01.000+01:00")), key(parse_time("2026-11-22T11:00:01Z")))
        self.assertEqual(key(parse_time("1795000000.25")), 1795000000250)

    def test_takeover_new_epoch(self):
        f = 1000.0
        samples = [f"{f - 1} 3 s.sched-1 {f - 1} 900", f"{f + 0.5} 3 s.sched-1 {f - 1} 900",
                   f"{f + 1.3} 4 s.sched-2 0 {f + 1.2}", f"{f + 2.0} 4 s.sched-2 {f + 1.9} {f + 1.2}"]
        self.assertAlmostEqual(takeover(read_leader(samples), f, "new-epoch"), 1200, delta=1)
        self.assertIsNone(takeover(read_leader(samples[:2]), f, "new-epoch"))
        self.assertAlmostEqual(takeover(read_leader(samples), f, "any-heartbeat"), 1900, delta=1)

    def test_epoch_held_by_two_nodes_fails(self):
        ledger, runs, sink = self.scenario()
        t = self.T0 + 3
        leader = [f"{t} 5 s.sched-1 {t} {t}", f"{t + 1} 5 s.sched-2 {t + 1} {t}"]
        res = self.run_check(ledger, runs, sink, leader_lines=leader, fault_at=float(t))
        self.assertIn("epochs", self.rules(res))

    def test_epoch_going_back_fails(self):
        ledger, runs, sink = self.scenario()
        t = self.T0 + 3
        leader = [f"{t} 5 s.sched-1 {t} {t}", f"{t + 1} 6 s.sched-2 {t + 1} {t + 1}", f"{t + 2} 5 s.sched-1 {t + 2} {t + 2}"]
        res = self.run_check(ledger, runs, sink, leader_lines=leader, fault_at=float(t))
        self.assertIn("epochs", self.rules(res))

    def test_growing_epochs_one_holder_each_pass(self):
        ledger, runs, sink = self.scenario()
        t = self.T0 + 3
        leader = [f"{t} 5 s.sched-1 {t} {t}", f"{t + 1} 6 s.sched-2 {t + 1} {t + 1}", f"{t + 2} 6 s.sched-2 {t + 2} {t + 1}"]
        res = self.run_check(ledger, runs, sink, leader_lines=leader, fault_at=float(t))
        self.assertNotIn("epochs", self.rules(res))

    def test_missing_takeover_is_a_violation(self):
        ledger, runs, sinkl = self.scenario()
        res = self.run_check(ledger, runs, sinkl, leader_lines=[f"{self.T0} 1 s.sched-1 {self.T0} {self.T0}\n"],
                             fault_at=self.T0 + 1, takeover_mode="new-epoch")
        self.assertEqual(self.rules(res), ["takeover"])

    def test_cli_exit_codes(self):
        with tempfile.TemporaryDirectory() as d:
            for name, kw, want in (("clean", {}, 0), ("dup", {"dup": {3}}, 1), ("gap", {"missing_row": {3}}, 1)):
                ledger, runs, sinkl = self.scenario(**kw)
                paths = {}
                for part, content in (("ledger", "\n".join(ledger) + "\n"), ("runs", runs), ("sink", "\n".join(sinkl) + "\n")):
                    paths[part] = os.path.join(d, f"{name}.{part}")
                    with open(paths[part], "w") as f:
                        f.write(content)
                p = subprocess.run([sys.executable, os.path.abspath(__file__), "check", "--scenario", name,
                                    "--from", str(self.T0), "--to", str(self.T0 + 10), "--ledger", paths["ledger"],
                                    "--runs-csv", paths["runs"], "--sink", paths["sink"]], capture_output=True, text=True)
                self.assertEqual(p.returncode, want, p.stdout + p.stderr)
                if want:
                    self.assertIn("violation", p.stdout)


def main(argv: list[str]) -> int:
    if argv[:1] == ["--self-test"]:
        suite = unittest.defaultTestLoader.loadTestsFromTestCase(SelfTest)
        result = unittest.TextTestRunner(verbosity=2 if "-v" in argv else 1).run(suite)
        return 0 if result.wasSuccessful() else 1
    p = argparse.ArgumentParser(prog="drill_check.py", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("check")
    c.add_argument("--scenario", required=True)
    c.add_argument("--from", dest="t0", required=True)
    c.add_argument("--to", dest="t1", required=True)
    c.add_argument("--interval", type=float, default=1.0)
    c.add_argument("--ledger", required=True)
    c.add_argument("--runs-csv", required=True)
    c.add_argument("--sink")
    c.add_argument("--leader")
    c.add_argument("--fault-at")
    c.add_argument("--takeover", choices=["new-epoch", "any-heartbeat", "none"], default="none")
    c.add_argument("--summary-json")
    e = sub.add_parser("export-runs")
    e.add_argument("--job", required=True)
    e.add_argument("--schema", default="kjob")
    l = sub.add_parser("poll-leader")
    l.add_argument("--out", required=True)
    l.add_argument("--interval", type=float, default=0.1)
    l.add_argument("--schema", default="kjob")
    a = p.parse_args(argv)
    return {"check": cmd_check, "export-runs": cmd_export_runs, "poll-leader": cmd_poll_leader}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
