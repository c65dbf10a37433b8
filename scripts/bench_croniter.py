#!/usr/bin/env python3
"""croniter's side of `make bench`: the same chained next-fire computations as kjob-bench.

usage: bench_croniter.py FILE ZONE START FIRES ROUNDS -> {"fires": n, "seconds": s, "per_second": r}
"""
import datetime
import json
import sys
import time

import pytz
from croniter import croniter


def main():
    path, zone, start, fires, rounds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    exprs = [line.rstrip("\n").split("\t")[1] for line in open(path) if line.strip() and not line.startswith("#")]
    tz = pytz.timezone(zone)
    begin = datetime.datetime.fromisoformat(start.replace("Z", "+00:00")).astimezone(tz)
    computed = 0
    t0 = time.perf_counter()
    for _ in range(rounds):
        for expr in exprs:
            it = croniter(expr, begin)
            for _ in range(fires):
                it.get_next(float)
                computed += 1
    seconds = time.perf_counter() - t0
    print(json.dumps({"fires": computed, "seconds": seconds, "per_second": computed / seconds}))


if __name__ == "__main__":
    main()
