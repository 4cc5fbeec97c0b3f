"""nameko side of scheduled jobs: the `@scheduled_job(kind)` entrypoint, its poller, `Jobs`.

Each container runs one `JobPoller` that, every `settings.job_poll_interval` seconds (sooner
when a job falls due earlier), claims due jobs of the kinds its entrypoints handle — each
claim atomic, with a lease of `settings.job_lease_seconds` that is renewed while the worker
runs — and spawns a worker per job. A worker that returns completes the job; one that raises
fails it with a retry after `settings.retry_delays_ms[attempt - 1]`; once those delays are used
up the job ends `failed` with its error and an ERROR log line. The settings (and so the
database) come from the service's `Jobs(settings_cls)` dependency when it declares one, else
from `ServiceSettings` with the database `presscenter_<service name>`.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from datetime import UTC, datetime, timedelta
from functools import partial
from types import TracebackType
from typing import Any

import eventlet
from eventlet.event import Event
from nameko.containers import WorkerContext
from nameko.exceptions import ContainerBeingKilled
from nameko.extensions import DependencyProvider, Entrypoint, ProviderCollector, SharedExtension
from pymongo import MongoClient
from pymongo.database import Database

from presscenter.shared.plumbing.jobs import KIND_PATTERN, Job, JobStore
from presscenter.shared.plumbing.mongo import open_client
from presscenter.shared.redaction import redact
from presscenter.shared.settings import ServiceSettings

_log = logging.getLogger(__name__)

ExcInfo = tuple[type[BaseException], BaseException, TracebackType] | None


class Jobs(DependencyProvider):
    """Injects a `JobStore` so workers can schedule, cancel and inspect jobs."""

    def __init__(self, settings_cls: type[ServiceSettings]):
        self.settings_cls = settings_cls
        self.client: MongoClient[Any] | None = None

    def setup(self) -> None:
        self.settings = self.settings_cls.load()
        self.client = open_client(self.settings)
        self.store = JobStore(self.client[self.settings.database])

    def stop(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None

    kill = stop

    def get_dependency(self, worker_ctx: WorkerContext) -> JobStore:
        return self.store


def _settings_and_database(container: Any) -> tuple[ServiceSettings, str]:
    for dependency in container.dependencies:
        if isinstance(dependency, Jobs):
            settings = dependency.settings_cls.load()
            return settings, settings.database
    settings = ServiceSettings.load()
    return settings, settings.mongo_db or f"presscenter_{container.service_name}"


class JobPoller(ProviderCollector, SharedExtension):
    """Claims due jobs for the `ScheduledJob` entrypoints of one container and runs them."""

    def setup(self) -> None:
        self.settings, database = _settings_and_database(self.container)
        self.client: MongoClient[Any] | None = open_client(self.settings)
        self.db: Database[Any] = self.client[database]
        self.store = JobStore(self.db)
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{self.container.service_name}:{uuid.uuid4().hex[:8]}"
        self.lease_s = self.settings.job_lease_seconds
        self._in_flight: dict[str, Job] = {}
        self._renewed_at: dict[str, float] = {}
        self._stopping = Event()
        self._thread: eventlet.greenthread.GreenThread | None = None

    @property
    def _entrypoints(self) -> dict[str, ScheduledJob]:
        return {p.kind: p for p in self._providers}

    def register_provider(self, provider: ScheduledJob) -> None:
        if any(p.kind == provider.kind for p in self._providers):
            raise ValueError(f"two @scheduled_job entrypoints handle the kind {provider.kind!r}")
        super().register_provider(provider)

    def start(self) -> None:
        if self._thread is None:
            self._thread = self.container.spawn_managed_thread(self._run, identifier="job_poller")

    def stop(self) -> None:
        self.wait_for_providers()
        self._halt()
        if self.client is not None:
            self.client.close()
            self.client = None

    def kill(self) -> None:
        if self._thread is not None:
            self._thread.kill()
            self._thread = None
        if self.client is not None:
            self.client.close()
            self.client = None

    def _halt(self) -> None:
        if not self._stopping.ready():
            self._stopping.send(True)
        if self._thread is not None:
            self._thread.wait()
            self._thread = None

    def _sleep(self, seconds: float) -> bool:
        with eventlet.Timeout(seconds, False):
            self._stopping.wait()
        return self._stopping.ready()

    def _run(self) -> None:
        interval = self.settings.job_poll_interval
        delay, failures = 0.0, 0
        while not self._sleep(delay):
            try:
                delay = self.poll_once()
                failures = 0
            except Exception as exc:
                failures += 1
                delay = min(interval * 2**failures, max(5.0, interval))
                _log.warning("job poll failed (%d in a row): %s: %s", failures, type(exc).__name__, redact(str(exc)))

    def poll_once(self) -> float:
        """Renew leases of running jobs, claim and start due ones; returns seconds to the next poll."""
        interval = self.settings.job_poll_interval
        self._renew_leases()
        kinds = sorted(self._entrypoints)
        if not kinds:
            return interval
        free = self.container.max_workers - len(self._in_flight)
        claimed = self.store.claim_due(kinds, self.owner, self.lease_s, limit=free) if free > 0 else []
        for job in claimed:
            self._spawn(job)
        if claimed and len(claimed) == free:
            return interval  # saturated: let workers finish
        next_due = self.store.next_due(kinds)
        if next_due is None:
            return interval
        return max(0.0, min(interval, next_due.timestamp() - time.time()))

    def _renew_leases(self) -> None:
        now = time.monotonic()
        for job_id, job in list(self._in_flight.items()):
            if now - self._renewed_at.get(job_id, now) > self.lease_s / 3:
                if not self.store.extend_lease(job, self.lease_s):
                    _log.warning("job %s was taken over while running here", job_id)
                self._renewed_at[job_id] = now

    def _spawn(self, job: Job) -> None:
        entrypoint = self._entrypoints.get(job.kind)
        if entrypoint is None:  # stopping: hand the job back for another replica
            self.store.release(job)
            return
        self._in_flight[job.id] = job
        self._renewed_at[job.id] = time.monotonic()
        try:
            entrypoint.container.spawn_worker(entrypoint, (job,), {}, handle_result=partial(self._handle_result, job))
        except ContainerBeingKilled:
            self._forget(job)
            self.store.release(job)

    def _forget(self, job: Job) -> None:
        self._in_flight.pop(job.id, None)
        self._renewed_at.pop(job.id, None)

    def _handle_result(
        self, job: Job, worker_ctx: WorkerContext, result: Any, exc_info: ExcInfo
    ) -> tuple[Any, ExcInfo]:
        self._forget(job)
        try:
            self._record(job, exc_info)
        except Exception as exc:  # the lease expires and the job runs again
            _log.warning("could not record the outcome of job %s: %s", job.id, redact(str(exc)))
        return result, exc_info

    def _record(self, job: Job, exc_info: ExcInfo) -> None:
        if exc_info is None:
            if not self.store.complete(job):
                _log.warning("job %s finished here after another replica took it over", job.id)
            return
        error = redact(f"{exc_info[0].__name__}: {exc_info[1]}")
        delays = self.settings.retry_delays_ms
        if job.attempts <= len(delays):
            retry_at = datetime.now(UTC) + timedelta(milliseconds=delays[job.attempts - 1])
            self.store.fail(job, error, retry_at)
            _log.warning("job %s failed (attempt %d), retrying at %s: %s", job.id, job.attempts, retry_at, error)
        else:
            self.store.fail(job, error, None)
            _log.error("job %s failed after %d attempts, giving up: %s", job.id, job.attempts, error)


class ScheduledJob(Entrypoint):
    """Runs the decorated method with the `Job` when a job of `kind` falls due."""

    poller = JobPoller()

    def __init__(self, kind: str, **kwargs: Any):
        if not KIND_PATTERN.match(kind):
            raise ValueError(f"invalid job kind {kind!r}")
        self.kind = kind
        super().__init__(**kwargs)

    def setup(self) -> None:
        self.poller.register_provider(self)

    def stop(self) -> None:
        self.poller.unregister_provider(self)


scheduled_job = ScheduledJob.decorator
