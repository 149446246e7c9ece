"""Prometheus metrics of one daemon: runs, changes, problems, durations, and the CRM client's calls."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector

from tribe_sync.client.tribe import TribeClient
from tribe_sync.jobs.executor import Report

__all__ = ["Metrics"]


class Metrics:
    def __init__(self, client: Callable[[], TribeClient | None]) -> None:
        self.registry = CollectorRegistry()
        self.runs = Counter(
            "tribe_sync_runs", "Job runs by outcome.", ["job", "outcome"], registry=self.registry
        )
        self.changes = Counter(
            "tribe_sync_changes", "Changes by outcome.", ["job", "outcome"], registry=self.registry
        )
        self.problems = Counter(
            "tribe_sync_problems", "Problems reported by runs.", ["job"], registry=self.registry
        )
        self.duration = Histogram(
            "tribe_sync_job_duration_seconds",
            "How long a job run took.",
            ["job"],
            buckets=(1, 5, 15, 30, 60, 120, 300, 600, 1800),
            registry=self.registry,
        )
        self.plans_pending = Gauge(
            "tribe_sync_plans_pending", "Plans waiting for a person's approval.", registry=self.registry
        )
        self.oldest_pending = Gauge(
            "tribe_sync_plan_oldest_pending_seconds",
            "How long the oldest pending plan has waited.",
            registry=self.registry,
        )
        self.leader = Gauge("tribe_sync_leader", "1 while this daemon is the leader.", registry=self.registry)
        self.registry.register(_ClientCollector(client))

    def record(self, job: str, report: Report, seconds: float) -> None:
        self.runs.labels(job, report.outcome).inc()
        for outcome in report.outcomes:
            self.changes.labels(job, str(outcome.status)).inc()
        self.problems.labels(job).inc(len(report.problems))
        self.duration.labels(job).observe(seconds)

    def failed(self, job: str, outcome: str, seconds: float) -> None:
        self.runs.labels(job, outcome).inc()
        self.duration.labels(job).observe(seconds)

    def text(self) -> bytes:
        return generate_latest(self.registry)


class _ClientCollector(Collector):
    """The CRM client counts its own calls; this reads them when Prometheus scrapes."""

    def __init__(self, client: Callable[[], TribeClient | None]) -> None:
        self._client = client

    def collect(self) -> Iterator[Metric]:
        client = self._client()
        calls = CounterMetricFamily("tribe_sync_crm_calls", "HTTP exchanges with Tribe.")
        statuses = CounterMetricFamily(
            "tribe_sync_crm_responses", "Tribe's answers by status.", labels=["status"]
        )
        retries = CounterMetricFamily(
            "tribe_sync_crm_retries", "Calls tried again after a transient failure."
        )
        limited = CounterMetricFamily("tribe_sync_crm_rate_limited", "429 answers from Tribe.")
        http = client.transport.http if client else None
        calls.add_metric([], http.calls if http else 0)
        for status, count in sorted((http.status_counts if http else {}).items()):
            statuses.add_metric([str(status)], count)
        retries.add_metric([], client.transport.retries if client else 0)
        limited.add_metric([], (http.status_counts.get(429, 0) if http else 0))
        yield from (calls, statuses, retries, limited)
