#!/usr/bin/env python3
"""croniter's fires of a cron expression in [FROM, TO), for the backfill test (kjob backfill --dry-run).

usage: cron_range.py EXPR ZONE FROM TO     (FROM/TO: RFC 3339 with an offset; 5-field expressions)
Prints one fire a line as Unix seconds.
"""
import datetime
import sys

import pytz
from croniter import croniter


def main():
    expr, zone, start, end = sys.argv[1:5]
    tz = pytz.timezone(zone)
    start = datetime.datetime.fromisoformat(start.replace("Z", "+00:00")).astimezone(tz)
    end = datetime.datetime.fromisoformat(end.replace("Z", "+00:00"))
    # One second before FROM, so a fire at FROM itself counts: [FROM, TO).
    it = croniter(expr, start - datetime.timedelta(seconds=1))
    while True:
        fire = it.get_next(datetime.datetime)
        if fire >= end:
            break
        print(int(fire.timestamp()))


if __name__ == "__main__":
    main()
