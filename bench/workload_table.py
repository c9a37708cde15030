#!/usr/bin/env python3
"""Prints the workload_bench table (bench/README.md) from the JSON that
bench/run_workload_bench.sh kept: per allocator, the median ops/s of the soak workload without
the sampler and sampling every 100 ms and every 1 s, the overhead against no sampler, and the
median CPU time of one sample with the share of 2 cores it takes at 10 samples a second.
Usage: bench/workload_table.py JSON_DIR"""
import sys

from allocator_results import allocator_runs

UNSAMPLED = "BM_Workload/sample_interval_ms:0/iterations:1/real_time"
EVERY_100MS = "BM_Workload/sample_interval_ms:100/iterations:1/real_time"
EVERY_1S = "BM_Workload/sample_interval_ms:1000/iterations:1/real_time"
SAMPLE = "BM_SamplerStep/iterations:200"

names, runs = allocator_runs(sys.argv[1])
print("| allocator | ops/s, no sampler | ops/s, 100 ms sampling | overhead | ops/s, 1 s sampling"
      " | overhead | CPU per sample | at 10/s on 2 cores |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for name in names:
    median = {run["run_name"]: run for run in runs[name] if run.get("aggregate_name") == "median"}
    unsampled = median[UNSAMPLED]["ops_per_s"]
    fast = median[EVERY_100MS]["ops_per_s"]
    slow = median[EVERY_1S]["ops_per_s"]
    sample_us = median[SAMPLE]["cpu_time"]
    print(f"| {name} | {unsampled:.0f} | {fast:.0f} | {1 - fast / unsampled:.1%} | {slow:.0f}"
          f" | {1 - slow / unsampled:.1%} | {sample_us:.0f} µs | {sample_us * 10 / 2e6:.2%} |")
