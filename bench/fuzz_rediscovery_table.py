#!/usr/bin/env python3
"""The rediscovery table (bench/fuzzing.md) from ci/fuzz-rediscover.sh's JSON lines.

Usage: bench/fuzz_rediscovery_table.py RESULTS [--into FILE | --baseline EARLIER_RESULTS]

For each bug, mode and mutator: in how many runs the target found it from an empty corpus, the
median time to find it (a run that did not find it counts as slower than any that did, so the
median is "> limit" when half the runs or more missed), and the median exec/s the runs reached
(over the runs that lasted long enough for libFuzzer to print one). Printed, or with --into
written into FILE between its rediscovery-table markers. With --baseline, prints nothing else
and exits 1 when a bug, mode and mutator that the baseline found in every run is found in at most
a quarter of the runs now (1 of 5): lost, not merely unlucky once.
"""
import json
import re
import statistics
import sys
from collections import defaultdict


def load(path):
    runs = defaultdict(list)
    with open(path) as lines:
        for number, line in enumerate(lines, 1):
            try:
                run = json.loads(line)
                runs[(run["bug"], run["mode"], run["mutator"])].append(run)
            except (json.JSONDecodeError, KeyError) as error:
                sys.exit(f"{path}:{number}: not a rediscovery result ({error})")
    if not runs:
        sys.exit(f"{path}: no results")
    return runs


def median_time(runs):
    times = sorted(run["seconds"] if run["found"] else float("inf") for run in runs)
    middle = len(times) // 2
    median = times[middle] if len(times) % 2 else (times[middle - 1] + times[middle]) / 2
    limit = max(run["limit_s"] for run in runs)
    return f"> {limit} s" if median == float("inf") else f"{median:.1f} s"


def table(runs):
    lines = ["| bug | target | mode | mutator | found | median time to find | median exec/s |",
             "|---|---|---|---|---:|---:|---:|"]
    for (bug, mode, mutator), group in sorted(runs.items()):
        found = sum(run["found"] for run in group)
        rates = [run["exec_per_s"] for run in group if run["exec_per_s"] is not None]
        rate = f"{statistics.median(rates):.0f}" if rates else "-"
        lines.append(f"| {bug} | {group[0]['target']} | {mode} | {mutator} | {found}/{len(group)} | "
                     f"{median_time(group)} | {rate} |")
    return "\n".join(lines) + "\n"


def write_into(path, text):
    document = open(path).read()
    block = f"<!-- rediscovery-table:begin -->\n{text}<!-- rediscovery-table:end -->"
    document, count = re.subn(r"<!-- rediscovery-table:begin -->.*?<!-- rediscovery-table:end -->",
                              lambda _: block, document, flags=re.S)
    if count != 1:
        sys.exit(f"{path}: no rediscovery-table markers")
    open(path, "w").write(document)


def regressions(runs, baseline):
    lost = []
    for key, before in sorted(baseline.items()):
        now = runs.get(key)
        if now is None or not all(run["found"] for run in before):
            continue
        found = sum(run["found"] for run in now)
        # Lost, not slower: a bug with a heavy-tailed time to find misses a run now and then.
        if found <= len(now) // 4:
            lost.append(f"{key[0]} ({key[1]}, {key[2]}): found in every run before, now in {found} "
                        f"of {len(now)}")
    for line in lost:
        print(f"fuzz-rediscover: no longer found: {line}", file=sys.stderr)
    return 1 if lost else 0


def main(argv):
    if len(argv) == 2:
        print(table(load(argv[1])), end="")
        return 0
    if len(argv) == 4 and argv[2] == "--into":
        write_into(argv[3], table(load(argv[1])))
        return 0
    if len(argv) == 4 and argv[2] == "--baseline":
        return regressions(load(argv[1]), load(argv[3]))
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
