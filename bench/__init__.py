"""Benchmarks: CRM calls against the minimum and a naive baseline, wall time, peak memory.

`make bench` (`python -m bench`) runs them against a sandbox process with injected latency; results go
to `bench/results/latest.json`, and `python -m bench.capacity` turns them into the README's
"Capacity on paper" section. Speed is measured here and never asserted in tests.
"""
