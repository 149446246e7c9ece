"""Builds the long-lived objects from Settings: the one place that knows how they fit together."""

from __future__ import annotations

import datetime as dt
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy.exc import SQLAlchemyError

from tribe_sync.config import Settings
from tribe_sync.errors import StoreError
from tribe_sync.jobs.keys import TASK_PREFIXES
from tribe_sync.mappers.schema import TenantSchema
from tribe_sync.store.clock import clock_offset
from tribe_sync.store.crmcalls import CallLog, CallRecorder
from tribe_sync.store.journal import Journal, open_journal
from tribe_sync.store.readmodel.queries import ReadModel
from tribe_sync.store.readmodel.refresh import Mirror, MirrorSet

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sqlalchemy import Engine

    from tribe_sync.client.odata import Query
    from tribe_sync.client.ratelimit import RateLimiter
    from tribe_sync.client.tribe import TribeClient
    from tribe_sync.client.wire import Record
    from tribe_sync.jobs.executor import Executor
    from tribe_sync.store.readsizes import StoredReadSizes
    from tribe_sync.tribe_crm import TribeCRM

# The HTTP client, the executor and the CRM facade are imported when first made: a staff list on a
# fresh read model needs none of them, and importing them took most of its start-up time.

__all__ = ["WRITTEN_SETS", "Services", "utc_now"]

# What the executor writes to: request statuses and delivery dates, months, tasks.
WRITTEN_SETS = (MirrorSet.MONTHS, MirrorSet.REQUESTS, MirrorSet.TASKS)


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Services:
    """The CRM client, the journal, the clock and the executor, made on first use and closed together."""

    settings: Settings
    clock: Callable[[], dt.datetime] = utc_now
    holder: str = field(
        default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
    )
    stopping: threading.Event = field(default_factory=threading.Event)
    # The clock CRM calls are counted on, if not `clock` (the demo counts on the real one: see demo.py).
    calls_clock: Callable[[], dt.datetime] | None = None

    def __post_init__(self) -> None:
        if self.clock is utc_now:  # no clock given: the store's (the real one, unless a demo's store)
            self.clock = _StoreClock(self)

    @cached_property
    def client(self) -> TribeClient:
        from tribe_sync.client.tribe import TribeClient, count_support_for  # noqa: PLC0415
        from tribe_sync.malloc import bound_arenas  # noqa: PLC0415

        bound_arenas()  # before the client's worker threads allocate: see tribe_sync.malloc
        crm = self.settings.crm
        return TribeClient.from_settings(
            crm,
            limiter=self._shared_limiter(),
            count_support=count_support_for(crm.odata_root, crm.request_count),  # once per process
            on_response=self.crm_calls.record,
            sizes=self.read_sizes,
        )

    def brief_crm_reads(self, timeout_s: float) -> None:
        """From here on, ask Tribe once per call, without retries, each call waiting at most
        `timeout_s`: a staff view with a stored copy to show would rather show it than wait minutes for
        a Tribe that is down, slow or failing (retries with back-off take up to `crm.max_retry_wait_s`).
        Only before the first CRM call: a client already made keeps its settings."""
        if "client" in self.__dict__:
            return
        crm = self.settings.crm
        brief = crm.model_copy(update={"max_retries": 0, "timeout_s": min(crm.timeout_s, timeout_s)})
        self.settings = self.settings.model_copy(update={"crm": brief})

    @cached_property
    def read_sizes(self) -> StoredReadSizes:
        """The reads' size hints, kept in the store for the next process, once the store is open:
        hints never open or create it (a dry run must not). An in-memory store ends with the process
        and has one connection for every thread: its hints stay in memory."""
        from tribe_sync.store.readsizes import StoredReadSizes  # noqa: PLC0415 - made with the client

        in_memory = self.settings.store.url in ("sqlite://", "sqlite:///:memory:")

        def opened() -> Engine | None:
            return self.journal.engine if "journal" in self.__dict__ and not in_memory else None

        return StoredReadSizes(opened, self.clock)

    @cached_property
    def crm_calls(self) -> CallRecorder:
        """Counts this process's CRM calls per minute into the store (written every few seconds),
        once the store is open: counting never opens or creates it. An in-memory store has one
        connection for every thread, so it gets its counts only when the process closes."""
        in_memory = self.settings.store.url in ("sqlite://", "sqlite:///:memory:")

        def call_log() -> CallLog | None:
            return CallLog(self.journal.engine) if "journal" in self.__dict__ and not in_memory else None

        return CallRecorder(call_log, self.calls_clock or self.clock)

    def _shared_limiter(self) -> RateLimiter | None:
        """With PostgreSQL every process on the store shares Tribe's budget; else each keeps its own."""
        if not (self.settings.daemon.shared_rate_limit and self.settings.store.url.startswith("postgresql")):
            return None
        from tribe_sync.store.ratelimit import SharedRateLimiter  # noqa: PLC0415

        return SharedRateLimiter(self.journal.engine, self.settings.crm.max_requests_per_minute)

    @cached_property
    def crm(self) -> TribeCRM:
        from tribe_sync.tribe_crm import TribeCRM  # noqa: PLC0415

        return TribeCRM(self.client, self.schema)

    def executor(self, *, dry_run: bool = False) -> Executor:
        """The one executor, wired to this process's CRM, journal, outbox and clock. A dry run reads
        the journal only if it exists already (it must not create one)."""
        from tribe_sync.jobs.executor import Executor  # noqa: PLC0415
        from tribe_sync.jobs.handoff import DirectoryOutbox  # noqa: PLC0415

        return Executor(
            crm=self.crm,
            journal=self.existing_journal() if dry_run else self.journal,
            outbox=DirectoryOutbox(Path(self.settings.programme.outbox_dir)),
            settings=self.settings,
            schema=self.schema,
            clock=self.clock,
            holder=self.holder,
            is_dead=self.is_dead,
            stopping=self.stopping.is_set,
            on_written=self._written,
        )

    def _written(self) -> None:
        """Our own writes to the CRM (a job, a plan applied, a month closed, a processor file) make the
        read model's copy of what they touch stale: the next list or console page refreshes it by delta
        instead of showing the old state until `mirror.max_age_s` has passed."""
        if self.existing_journal() is not None:
            self.mirror.mark_stale(WRITTEN_SETS, self.clock())

    @cached_property
    def journal(self) -> Journal:
        return open_journal(self.settings.store.url)

    @cached_property
    def mirror(self) -> Mirror:
        """The read model's refresher (staff views and the console; jobs never read it)."""
        return Mirror(
            self.journal.engine,
            _ClientOnFirstRead(self),
            self.schema,
            clock=self.clock,
            overlap=dt.timedelta(seconds=self.settings.mirror.overlap_s),
            task_prefixes=sorted(TASK_PREFIXES),
            adult_age_groups=self.settings.tenant.adult_age_groups,
            holder=self.holder,
            is_dead=self.is_dead,
            wait=dt.timedelta(seconds=self.settings.mirror.refresh_wait_s),
        )

    @cached_property
    def read_model(self) -> ReadModel:
        return ReadModel(self.journal.engine)

    @cached_property
    def schema(self) -> TenantSchema:
        return TenantSchema.from_settings(self.settings)

    @staticmethod
    def is_dead(holder: str) -> bool:
        """Whether a claim's holder (`host:pid:tag`) is a process on this host that no longer exists."""
        host, _, rest = holder.partition(":")
        pid_text = rest.partition(":")[0]
        if host != socket.gethostname() or not pid_text.isdigit():
            return False
        try:
            os.kill(int(pid_text), 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False

    def existing_journal(self) -> Journal | None:
        """The journal if it exists already; a dry run reads it but must not create it."""
        url = self.settings.store.url
        file_url = url.startswith("sqlite:///") and url != "sqlite:///:memory:"
        if (
            "journal" not in self.__dict__
            and file_url
            and not Path(url[len("sqlite:///") :]).expanduser().exists()
        ):
            return None
        return self.journal

    def today(self) -> dt.date:
        """Today in the programme's time zone: the date every rule is about."""
        return self.clock().astimezone(ZoneInfo(self.settings.programme.timezone)).date()

    def close(self) -> None:
        if "client" in self.__dict__:
            self.client.close()
        if "crm_calls" in self.__dict__:
            self._close_call_counts()
        if "journal" in self.__dict__:
            self.journal.close()

    def _close_call_counts(self) -> None:
        """Write the last counts; a command that never opened the store writes them only if the
        store exists (a dry run must not create it) and is at this version's revision."""
        try:
            journal = self.existing_journal()
        except StoreError:
            journal = None
        self.crm_calls.close(CallLog(journal.engine) if journal is not None else None)

    def __enter__(self) -> Services:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class _StoreClock:
    """The real time plus the store's clock offset (see store.clock), read from the store on the first
    call. A store that does not exist yet (a dry run must not create it) or cannot be read has none."""

    def __init__(self, services: Services) -> None:
        self._services = services
        self._offset: dt.timedelta | None = None
        self._lock = threading.Lock()  # the client's reader threads may ask first, together

    def __call__(self) -> dt.datetime:
        return utc_now() + self.offset()

    def offset(self) -> dt.timedelta:
        with self._lock:
            if self._offset is None:
                self._offset = dt.timedelta(0)
                try:
                    journal = self._services.existing_journal()
                    if journal is not None:
                        self._offset = clock_offset(journal.engine)
                except (StoreError, SQLAlchemyError):
                    pass  # the command that needs the store says why; the clock is the real one
            return self._offset


class _ClientOnFirstRead:
    """The read model's CRM reader, making the client only when a refresh reads: a list whose read
    model is fresh never loads the HTTP stack."""

    def __init__(self, services: Services) -> None:
        self._services = services

    def iter_records(self, entity_set: str, query: Query | None = None) -> Iterator[Record]:
        return self._services.client.iter_records(entity_set, query)
