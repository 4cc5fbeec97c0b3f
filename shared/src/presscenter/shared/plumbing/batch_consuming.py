"""`handle_event_batch`: `handle_event` for high-volume intake, many deliveries per worker.

    class ReleasesService:
        @handle_event_batch("departments", "department_release_submitted", batch_size=100)
        def on_department_release(self, events: list[EventEnvelope[Any]]) -> Mapping[str, BaseException]:
            ...  # handle them all; return {event_id: error} for the ones that failed

The queue, validation, idempotency, retries and parking are `handle_event`'s (same queue name, so
a service can switch between the two); only the grouping differs. Deliveries are collected until
`batch_size` of them are in hand or `max_wait_ms` passed since the first, then:

1. Each body is validated; poison is parked at once, as in `handle_event`.
2. The batch's events are claimed in `processed_events` with one `insert_many(ordered=False)`.
   An id refused as a duplicate goes through `ProcessedEvents.claim` on its own (done → acked,
   busy → postponed, an expired lease → taken over), so a re-delivery has no second effect.
3. One nameko worker calls the service method with the claimed envelopes. It returns the
   events that failed (`{event_id: error}`; nothing or `{}` when all went well) or raises (then
   every event of the batch failed).
4. The events that went well are recorded done with one `update_many`, then acked: with one
   `basic_ack(multiple=True)` when they are exactly the oldest deliveries still unsettled on the
   consumer's channel (the usual case: batches are cut in delivery order), otherwise one by one,
   so a multiple ack never settles a delivery of another batch or a failed one. Each failed
   event takes `handle_event`'s own failure path: its claim is released, it is retried through
   the delay queues and parked after the last attempt. Nothing is dropped. A method that raised
   pymongo's `ConnectionFailure` (the datastore is away) has its whole batch requeued after a
   pause without counting an attempt, as a failed claim is in `handle_event`.

As with `handle_event`, the effect and the "done" record are separate writes; the method must
keep its effect idempotent. A method whose effect is idempotent by a unique key of its own (the
releases intake inserts under an id derived from the submission) can pass `claims=False`: no
claims and no "done" records (two datastore writes per batch less); a re-delivery then reaches
the method, which must find its effect already there. A batch's worker carries no single event's
trace context.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Mapping, Sequence
from datetime import timedelta
from functools import partial
from typing import Any
from uuid import UUID

import eventlet
from nameko.exceptions import ContainerBeingKilled
from pymongo.errors import BulkWriteError, ConnectionFailure

from presscenter.shared.events import EventEnvelope, utcnow
from presscenter.shared.plumbing.consuming import REQUEUE_PAUSE, PoisonMessage, SafeEventHandler, _span_outcome
from presscenter.shared.plumbing.idempotency import DONE, PROCESSING, Claim, ProcessedEvents, record_id
from presscenter.shared.redaction import redact

log = logging.getLogger(__name__)

DUPLICATE_KEY = 11000

Failures = Mapping[str, BaseException]
"""What a batch method returns: the error of each event (by `str(event_id)`) that failed."""


# -- the processed-event store, many at a time -----------------------------------------------------


def claim_many(
    store: ProcessedEvents, consumer: str, event_ids: Sequence[UUID | str], lease_seconds: float
) -> list[Claim]:
    """`store.claim` for each id, with one `insert_many` for the common case (none seen before)."""
    if not event_ids:
        return []
    now = utcnow()
    lease_until = now + timedelta(seconds=lease_seconds)
    docs = [
        {
            "_id": record_id(consumer, event_id),
            "consumer": consumer,
            "event_id": str(event_id),
            "state": PROCESSING,
            "lease_until": lease_until,
            "processed_at": now,
        }
        for event_id in event_ids
    ]
    refused: list[int] = []
    try:
        store.collection.insert_many(docs, ordered=False)
    except BulkWriteError as exc:
        refused = sorted(int(error["index"]) for error in exc.details.get("writeErrors", []))
    claims = [Claim.CLAIMED] * len(event_ids)
    try:
        for index in refused:  # seen before (or twice in this batch): the single path decides
            claims[index] = store.claim(consumer, event_ids[index], lease_seconds)
    except Exception:
        release_many(store, consumer, [e for i, e in enumerate(event_ids) if i not in set(refused)])
        raise
    return claims


def complete_many(store: ProcessedEvents, consumer: str, event_ids: Sequence[UUID | str]) -> None:
    """`store.complete` for each id: one `update_many`, and the upserting path only if one is missing."""
    if not event_ids:
        return
    keys = [record_id(consumer, event_id) for event_id in event_ids]
    now = utcnow()
    result = store.collection.update_many(
        {"_id": {"$in": keys}},
        {"$set": {"consumer": consumer, "state": DONE, "processed_at": now}, "$unset": {"lease_until": ""}},
    )
    if result.matched_count < len(set(keys)):  # a claim vanished (deleted by hand?): record it anyway
        for event_id in event_ids:
            store.complete(consumer, event_id, now)


def release_many(store: ProcessedEvents, consumer: str, event_ids: Sequence[UUID | str]) -> None:
    """Drop unfinished claims (best effort: a claim left behind runs out with its lease)."""
    if not event_ids:
        return
    try:
        keys = [record_id(consumer, event_id) for event_id in event_ids]
        store.collection.delete_many({"_id": {"$in": keys}, "state": PROCESSING})
    except Exception:
        log.debug("could not release %d claims on %s", len(event_ids), consumer, exc_info=True)


# -- settling many deliveries at once ---------------------------------------------------------------


def drop_settled(delivered: deque[Any]) -> None:
    """Drop from the front of `delivered` (a consumer's deliveries in the order they arrived, as
    kombu `Message`s) the ones settled (acked, rejected or requeued) or of a channel that is gone,
    whose delivery tags died with it."""
    while delivered and (delivered[0].acknowledged or delivered[0].channel.connection is None):
        delivered.popleft()


def oldest_unsettled(delivered: deque[Any], messages: Sequence[Any]) -> bool:
    """Whether `messages` are exactly the oldest deliveries still unsettled on their channel, so one
    `basic_ack(multiple=True)` on the newest of them settles them and nothing else."""
    drop_settled(delivered)
    channel = messages[0].channel
    wanted = {id(message) for message in messages}
    found = 0
    for message in delivered:
        if message.acknowledged:
            continue
        if message.channel is not channel or id(message) not in wanted:
            return False
        found += 1
        if found == len(wanted):
            return True
    return False


# -- the entrypoint ---------------------------------------------------------------------------------


class BatchEventHandler(SafeEventHandler):
    """`SafeEventHandler` that hands the service method a list of events at a time."""

    def __init__(
        self,
        source_service: str,
        event_type: str,
        *,
        batch_size: int = 100,
        max_wait_ms: float = 20.0,
        lease_seconds: float = 60.0,
        claims: bool = True,
        **kwargs: Any,
    ):
        """`batch_size`: most events per worker; `max_wait_ms`: longest a delivery waits for company.

        The consumer prefetches two batches (`prefetch_count`, overridable), so one fills while the
        other is handled.
        """
        if batch_size < 1 or max_wait_ms < 0:
            raise ValueError("handle_event_batch needs batch_size >= 1 and max_wait_ms >= 0")
        self.batch_size = batch_size
        self.claims = claims
        self.max_wait = max_wait_ms / 1000
        kwargs.setdefault("prefetch_count", 2 * batch_size)
        super().__init__(source_service, event_type, lease_seconds=lease_seconds, **kwargs)

    def setup(self) -> None:
        self._buffer: list[tuple[Any, Any]] = []
        self._delivered: deque[Any] = deque()  # every delivery, in order, until settled (`oldest_unsettled`)
        self._generation = 0
        super().setup()

    # -- collecting -------------------------------------------------------------------------------

    def handle_message(self, body: Any, message: Any) -> None:
        """Called on the consumer's thread for each delivery: buffer it, hand full batches on."""
        drop_settled(self._delivered)  # so it holds about the prefetch count, not every delivery ever
        self._delivered.append(message)
        self._buffer.append((body, message))
        if len(self._buffer) >= self.batch_size:
            self._flush(self._generation)
        elif len(self._buffer) == 1:
            self._spawn(partial(self._flush_later, self._generation), "flush_later")

    def _flush_later(self, generation: int) -> None:
        eventlet.sleep(self.max_wait)
        self._flush(generation)

    def _flush(self, generation: int) -> None:
        if generation != self._generation or not self._buffer:
            return  # that batch went on already
        items, self._buffer = self._buffer, []
        self._generation += 1
        self._spawn(partial(self._dispatch_batch, items), "dispatch_batch")

    # -- one batch --------------------------------------------------------------------------------

    def _dispatch_batch(self, items: list[tuple[Any, Any]]) -> None:
        parsed: list[tuple[EventEnvelope[Any], Any]] = []
        for body, message in items:
            try:
                parsed.append((self.parse(body), message))
            except PoisonMessage as exc:
                self._park_poison(message, exc)
        if not parsed:
            return
        store = self.support.store
        if not self.claims:
            self._spawn_batch_worker(parsed)
            return
        try:
            claims = claim_many(store, self.consumer_name, [e.event_id for e, _ in parsed], self.lease_seconds)
        except Exception as exc:
            log.warning("processed-event store unavailable for %s: %s", self.consumer_name, redact(str(exc)))
            self._requeue_all_later([m for _, m in parsed])
            return
        claimed: list[tuple[EventEnvelope[Any], Any]] = []
        for (envelope, message), claim in zip(parsed, claims, strict=True):
            if claim is Claim.CLAIMED:
                claimed.append((envelope, message))
            elif claim is Claim.DONE:
                log.debug("skipping %s event %s on %s: already handled", envelope.type, envelope.event_id,
                          self.consumer_name)  # fmt: skip
                self.consumer.ack_message(message)
            else:
                self._postpone(message, envelope)
        if claimed:
            self._spawn_batch_worker(claimed)

    def _spawn_batch_worker(self, claimed: list[tuple[EventEnvelope[Any], Any]]) -> None:
        try:
            self.container.spawn_worker(
                self,
                ([envelope for envelope, _ in claimed],),
                {},
                context_data={},
                handle_result=partial(self.handle_batch_result, claimed),
            )
        except ContainerBeingKilled:
            for _, message in claimed:
                self.consumer.requeue_message(message)
            if self.claims:
                release_many(self.support.store, self.consumer_name, [e.event_id for e, _ in claimed])

    def handle_batch_result(
        self,
        claimed: list[tuple[EventEnvelope[Any], Any]],
        worker_ctx: Any,
        result: Any = None,
        exc_info: Any = None,
    ) -> tuple[Any, Any]:
        """In the worker: record and ack what went well; retry or park each failure on its own."""
        if exc_info is None and not isinstance(result, Mapping | None):
            error = TypeError(f"{self.method_name} must return {{event_id: error}}, not {type(result).__name__}")
            exc_info = (TypeError, error, None)
        if exc_info is not None and isinstance(exc_info[1], ConnectionFailure):
            # the datastore is away: wait for it, as a failed claim does, without spending attempts
            log.warning("datastore unavailable for %s: %s", self.consumer_name, redact(str(exc_info[1])))
            if self.claims:
                release_many(self.support.store, self.consumer_name, [e.event_id for e, _ in claimed])
            self._requeue_all_later([message for _, message in claimed])
            return result, exc_info
        if exc_info is not None:
            failures: dict[str, BaseException] = {str(e.event_id): exc_info[1] for e, _ in claimed}
        else:
            failures = {str(k): v for k, v in (result or {}).items()}
        succeeded = [(e, m) for e, m in claimed if str(e.event_id) not in failures]
        if self.claims:
            try:
                complete_many(self.support.store, self.consumer_name, [e.event_id for e, _ in succeeded])
            except Exception as exc:  # the effects happened; the retries repeat them (see module doc)
                failures.update({str(e.event_id): exc for e, _ in succeeded})
                succeeded = []
        self._ack_all([message for _, message in succeeded])
        _span_outcome("processed", {"events": len(succeeded), "failed": len(failures)})
        for envelope, message in claimed:
            error = failures.get(str(envelope.event_id))
            if error is None:
                continue
            try:
                self._on_failure(message, envelope, error)
            except Exception:
                log.exception("could not settle a delivery on %s; requeueing it", self.queue.name)
                self._requeue_all_later([message])
        return result, exc_info

    def _ack_all(self, messages: list[Any]) -> None:
        """Ack them, with one multiple ack when they are the oldest unsettled (module doc, step 4).

        An error here would kill the container, so a connection that is gone (cut while the batch
        ran) is logged: the broker redelivers what was not acked, and handling is idempotent.
        """
        try:
            if len(messages) > 1 and oldest_unsettled(self._delivered, messages):
                newest = max(messages, key=lambda message: message.delivery_tag)
                if newest.channel.connection:  # as nameko's ack_message: a dead channel's tags are void
                    newest.ack(multiple=True)
                    for message in messages:
                        message._state = newest._state  # kombu's record that the broker settled it
                return
            for message in messages:
                self.consumer.ack_message(message)
        except OSError as exc:
            log.warning("could not ack a delivery on %s (%s); the broker redelivers it", self.queue.name, exc)

    def _requeue_all_later(self, messages: list[Any]) -> None:
        eventlet.sleep(REQUEUE_PAUSE)
        for message in messages:
            try:
                self.consumer.requeue_message(message)
            except OSError as exc:  # the connection is gone: the broker redelivers by itself
                log.warning("could not requeue a delivery on %s (%s); the broker redelivers it", self.queue.name, exc)
                return


handle_event_batch = BatchEventHandler.decorator

try:
    from nameko_opentelemetry import entrypoints as _otel_entrypoints

    from presscenter.shared.plumbing.consuming import ENTRYPOINT_ADAPTERS, SafeEventHandlerAdapter
except ImportError:  # pragma: no cover - opentelemetry-instrumentation-nameko is a service dependency
    pass
else:
    _otel_entrypoints.adapter_types[BatchEventHandler] = SafeEventHandlerAdapter
    ENTRYPOINT_ADAPTERS[f"{__name__}.BatchEventHandler"] = (
        "presscenter.shared.plumbing.consuming.SafeEventHandlerAdapter"
    )
