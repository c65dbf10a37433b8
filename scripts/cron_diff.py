#!/usr/bin/env python3
"""Differential cases for kjob's cron engine, answered by croniter.

Prints one JSON object per line: {"expr": kjob expression, "croniter": croniter's spelling,
"zone": IANA zone, "start": Unix seconds, "fires": [Unix seconds, ...]}.

Only syntax both engines define identically is generated (see docs/jobs-and-schedules.md, "Schedules"):
no reversed or one-value ranges (croniter wraps them / reads a-a as the whole field), no
`max/n` (croniter reads it as max-max/n, i.e. the whole field stepped), no `W`
(croniter lacks it), no `*`-prefixed day field next to a restricted one (croniter ORs it, Vixie
ANDs it), `#`/last-weekday only with an unrestricted day-of-month, no 7 for Sunday in 6 fields
(croniter rejects it there). croniter puts seconds last; we put them first, so they are moved.
Cases where croniter's answer contradicts a day-by-day walk over croniter's own field expansion
are dropped as croniter bugs (counted on stderr). Cases whose window [start - 1 day, last fire + 1 day] contains a UTC-offset transition of the
zone are dropped: the DST rules differ on purpose and are pinned by kjob's own DST table.

usage: cron_diff.py [--cases N] [--seed S] [--fires K]
"""
import argparse
import bisect
import datetime
import json
import random
import sys

import pytz
from croniter import croniter

ZONES = [
    "UTC", "America/New_York", "Europe/Lisbon", "Europe/Berlin", "Australia/Sydney",
    "Australia/Lord_Howe", "Asia/Kolkata", "Asia/Tokyo", "America/Sao_Paulo", "Pacific/Auckland",
    "America/Los_Angeles", "Africa/Cairo", "Asia/Kathmandu", "Pacific/Chatham", "Etc/GMT+5",
]
MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]


def spell(value, names, base, rnd):
    """A number, or sometimes its name in a random case (7, Sunday, stays a number: SUN is 0)."""
    if names and rnd.random() < 0.3 and value - base < len(names):
        name = names[value - base]
        return rnd.choice([name, name.upper(), name.capitalize()])
    return str(value)


def element(lo, hi, rnd, names=None, base=0):
    kind = rnd.random()
    if kind < 0.35:
        return spell(rnd.randint(lo, hi), names, base, rnd)
    if kind < 0.6 and hi - lo >= 1:
        a = rnd.randint(lo, hi - 1)
        b = rnd.randint(a + 1, hi)
        text = spell(a, names, base, rnd) + "-" + spell(b, names, base, rnd)
        if rnd.random() < 0.4:
            text += "/" + str(rnd.randint(1, max(1, (hi - lo) // 2)))
        return text
    if kind < 0.75:  # a/n: croniter reads max/n (and 7/n) as the whole field stepped, so a < max
        return spell(rnd.randint(lo, (min(hi, 6) if names is DAYS else hi) - 1), names, base, rnd) + "/" + str(rnd.randint(1, max(1, (hi - lo) // 2)))
    return "*/" + str(rnd.randint(1, max(1, (hi - lo) // 2)))


def field(lo, hi, rnd, names=None, base=0, star=0.3):
    if rnd.random() < star:
        return "*"
    count = rnd.choice([1, 1, 1, 2, 3])
    parts = [element(lo, hi, rnd, names, base) for _ in range(count)]
    if len(parts) > 1:  # a '*/n' inside a list would not be at the front; keep lists plain
        parts = [p for p in parts if not p.startswith("*")] or [spell(lo, names, base, rnd)]
    return ",".join(parts)


def day_fields(rnd, six):
    """(kjob dom, kjob dow, croniter dom, croniter dow)."""
    mode = rnd.random()
    if mode < 0.12:  # nth / last weekday, day-of-month unrestricted
        dom = rnd.choice(["*", "?"])
        items_k, items_c = [], []
        for _ in range(rnd.choice([1, 1, 2])):
            d = rnd.randint(0, 6)
            if rnd.random() < 0.6:
                n = rnd.randint(1, 5)
                name = spell(d, DAYS, 0, rnd)
                items_k.append(f"{name}#{n}")
                items_c.append(f"{name}#{n}")
            else:
                items_k.append(f"{d}L")
                items_c.append(f"L{d}")
        return dom, ",".join(items_k), dom, ",".join(items_c)
    if mode < 0.2:  # last day of month, maybe with other days
        dom = rnd.choice(["L", "L", f"{rnd.randint(1, 28)},L"])
        dow = rnd.choice(["*", "?", field(0, 6, rnd, DAYS, 0, star=0)])
        return dom, dow, dom, dow
    dom = field(1, 31, rnd, star=0.5)
    dow = field(0, 6 if six else 7, rnd, DAYS, 0, star=0.6)
    if dom == "*" and rnd.random() < 0.2:
        dom = "?"
    elif dow == "*" and rnd.random() < 0.2:
        dow = "?"
    return dom, dow, dom, dow


def star_mismatch(dom, dow):
    def prefixed(f):
        return f.startswith("*") and f != "*"
    def restricted(f):
        return f not in ("*", "?")
    return (prefixed(dom) and restricted(dow)) or (prefixed(dow) and restricted(dom))


def reference(cron, zone, start, limit, k):
    """The first k fires after start by walking days one by one over croniter's own field
    expansion: a check on croniter's search (it skips day 1 after a month shorter than a listed
    day, e.g. `0 0 1,31 * *` after 27 February gives 31 March). No offset change lies in the window."""
    expanded, nth = croniter.expand(cron)
    minutes, hours, doms, months, dows = expanded[:5]
    seconds = expanded[5] if len(expanded) > 5 else [0]
    full = lambda lst, lo, hi: list(range(lo, hi + 1)) if lst == ["*"] else lst
    minutes, hours, seconds = full(minutes, 0, 59), full(hours, 0, 23), full(seconds, 0, 59)
    tz = pytz.timezone(zone)
    day = datetime.datetime.fromtimestamp(start, tz).date()
    last_day = datetime.datetime.fromtimestamp(limit, tz).date()
    fires = []
    while len(fires) < k and day <= last_day:
        nxt = day + datetime.timedelta(days=1)
        length = (nxt.replace(day=1) - datetime.timedelta(days=1)).day if nxt.day == 1 else \
            ((day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(days=1)).day
        wd = (day.weekday() + 1) % 7
        dom_ok = doms == ["*"] or day.day in doms or ("l" in doms and day.day == length)
        if dows == ["*"]:
            dow_ok = True
        elif nth:
            ns = nth.get(wd, set())
            dow_ok = ((day.day - 1) // 7 + 1) in ns or ("l" in ns and day.day + 7 > length)
        else:
            dow_ok = wd in dows
        day_ok = (dom_ok or dow_ok) if (doms != ["*"] and dows != ["*"]) else (dom_ok and dow_ok)
        if (months == ["*"] or day.month in months) and day_ok:
            midnight = int(tz.localize(datetime.datetime(day.year, day.month, day.day)).timestamp())
            for ts in (midnight + h * 3600 + m * 60 + sec for h in hours for m in minutes for sec in seconds):
                if ts > start:
                    fires.append(ts)
                    if len(fires) == k:
                        break
        day = nxt
    return fires


def transitions(zone):
    tz = pytz.timezone(zone)
    times = getattr(tz, "_utc_transition_times", None) or []
    return sorted(int((t - datetime.datetime(1970, 1, 1)).total_seconds()) for t in times[1:])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=20261122)
    ap.add_argument("--fires", type=int, default=4)
    args = ap.parse_args()
    rnd = random.Random(args.seed)
    zone_transitions = {z: transitions(z) for z in ZONES}
    made = 0
    dropped = 0
    while made < args.cases:
        six = rnd.random() < 0.3
        sec = field(0, 59, rnd, star=0.2) if six else None
        minute = field(0, 59, rnd, star=0.2)
        hour = field(0, 23, rnd, star=0.4)
        month = field(1, 12, rnd, MONTHS, 1, star=0.6)
        dom, dow, cdom, cdow = day_fields(rnd, six)
        if star_mismatch(dom, dow):
            continue
        kjob = " ".join(([sec] if six else []) + [minute, hour, dom, month, dow])
        cron = " ".join([minute, hour, cdom, month, cdow] + ([sec] if six else []))
        zone = rnd.choice(ZONES)
        start = rnd.randint(946684800, 2082758400)  # 2000 .. 2036
        tz = pytz.timezone(zone)
        try:
            it = croniter(cron, datetime.datetime.fromtimestamp(start, tz))
            fires = [int(it.get_next(float)) for _ in range(args.fires)]
        except Exception:  # croniter rejects it or finds nothing: not a shared case
            continue
        trans = zone_transitions[zone]
        lo, hi = start - 86400, fires[-1] + 86400
        k = bisect.bisect_left(trans, lo)
        if k < len(trans) and trans[k] <= hi:
            continue
        if reference(cron, zone, start, fires[-1], args.fires) != fires:
            dropped += 1
            continue
        print(json.dumps({"expr": kjob, "croniter": cron, "zone": zone, "start": start, "fires": fires}))
        made += 1
    print(f"cron_diff: {made} cases; dropped {dropped} where croniter contradicts a day-by-day walk", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
