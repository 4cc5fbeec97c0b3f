"""`handle_event`: the nameko entrypoint every service uses to consume platform events.

    class ReleasesService:
        name = "releases"
        db = Mongo(ReleasesSettings)

        @handle_event("departments", "department_release_submitted")
        def on_department_release(self, event: EventEnvelope[DepartmentReleaseSubmitted]) -> None: ...

For each delivery, on nameko's own consumer (queue `evt-<source>-<type>--<service>.<method>`):

1. The body is validated with the catalog (`parse_event`). A message that is not a valid event
   of the handler's type is poison: it is parked at once, with the validation error.
2. The event is claimed in the service's `processed_events` (see `idempotency`). Already
   handled → acked and skipped (DEBUG log). Held by another live worker → postponed through
   the first delay queue, without counting an attempt.
3. The service method is called with the typed `EventEnvelope`, in a normal nameko worker (so
   `opentelemetry-instrumentation-nameko` opens a CONSUMER span for it).
4. It returned → the event is recorded as done, then the delivery is acked.
   It raised → after `n` failures in all, if `n <= len(retry_delays_ms)` the message goes to the
   delay queue `presscenter.retry.<retry_delays_ms[n-1]>` and comes back to this queue only;
   otherwise it is parked in `<service>.dead-letter` with its error (see `dead_letter`).
   The delivery is acked only after the broker confirmed the republish; if that fails, the
   delivery is requeued instead. Nothing is dropped.

Settings: the entrypoint needs the service's settings class (database, retry delays, TTL). It
takes `settings_cls` from the service class if set, otherwise from the service's dependency
providers (`Mongo(ReleasesSettings)` has one), so a service that already declares its Mongo
dependency needs nothing more. It opens its own client (`mongo.open_client`) on that database.

The handler's effect and the "done" record are separate writes: after a crash between them the
event is handled again. Handlers must keep their effect idempotent (upsert keyed by event id,
conditional update, unique index).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any, ClassVar

import eventlet
from amqp.exceptions import ChannelError
from kombu import Exchange, Queue
from nameko import config as nameko_config
from nameko.amqp.publish import UndeliverableMessage, get_connection, get_producer
from nameko.constants import AMQP_URI_CONFIG_KEY, DEFAULT_RETRY_POLICY, HEADER_PREFIX
from nameko.events import EventHandler
from nameko.exceptions import ConfigurationError, ContainerBeingKilled
from nameko.extensions import SharedExtension
from nameko.messaging import decode_from_headers
from pymongo import MongoClient

from presscenter.shared.events import EventEnvelope, InvalidEvent, UnknownEventType, parse_event
from presscenter.shared.plumbing import dead_letter as dl
from presscenter.shared.plumbing.idempotency import Claim, ProcessedEvents
from presscenter.shared.plumbing.mongo import open_client
from presscenter.shared.redaction import redact
from presscenter.shared.settings import ServiceSettings

log = logging.getLogger(__name__)

# AMQP properties a republished message keeps (user_id would be refused under another login,
# expiration could drop a parked message).
KEPT_PROPERTIES = ("priority", "correlation_id", "reply_to", "message_id", "timestamp", "type", "app_id")
CONFIRM_TIMEOUT = 10.0
REQUEUE_PAUSE = 1.0  # seconds before a delivery is requeued because the broker or Mongo failed


class PoisonMessage(ValueError):
    """A message that can never be handled: not an event, or not the handler's event."""


def settings_class_for(service_cls: type, dependencies: Any = ()) -> type[ServiceSettings]:
    """The service's settings class: `service_cls.settings_cls`, else the one its providers share."""
    explicit = getattr(service_cls, "settings_cls", None)
    if isinstance(explicit, type) and issubclass(explicit, ServiceSettings):
        return explicit
    found = {
        cls
        for provider in dependencies
        if isinstance(cls := getattr(provider, "settings_cls", None), type) and issubclass(cls, ServiceSettings)
    }
    if len(found) == 1:
        return found.pop()
    names = ", ".join(sorted(c.__name__ for c in found)) or "none"
    raise ConfigurationError(
        f"{service_cls.__name__}: handle_event needs the service's settings class; set "
        f"`settings_cls = <YourSettings>` on the service (found among its dependencies: {names})"
    )


class ConsumerSupport(SharedExtension):
    """What every `handle_event` of one container shares: settings, store, topology, publishing."""

    settings: ServiceSettings
    store: ProcessedEvents

    def setup(self) -> None:
        container = self.container
        settings_cls = settings_class_for(container.service_cls, container.dependencies)
        self.settings = settings_cls.load()
        self.amqp_uri: str = nameko_config[AMQP_URI_CONFIG_KEY]
        self.client: MongoClient[Any] | None = open_client(self.settings)
        self.store = ProcessedEvents(self.client[self.settings.database])
        self.store.ensure_indexes(self.settings.processed_event_ttl_days)
        self.parking_queue = dl.dead_letter_queue(container.service_name)
        self.declare_topology()

    def declare_topology(self) -> None:
        """Delay exchanges and queues for each configured delay, and the parking queue."""
        with get_connection(self.amqp_uri) as conn:
            channel = conn.channel()
            try:
                for delay in self.retry_delays:
                    name = dl.retry_exchange(delay)
                    exchange = Exchange(name, type="fanout", durable=True)
                    arguments = dl.retry_queue_arguments(delay)
                    queue = Queue(name, exchange=exchange, routing_key="", durable=True, queue_arguments=arguments)
                    queue(channel).declare()
                Queue(self.parking_queue, durable=True)(channel).declare()
            finally:
                channel.close()

    @property
    def retry_delays(self) -> list[int]:
        return list(self.settings.retry_delays_ms)

    def stop(self) -> None:
        client, self.client = getattr(self, "client", None), None
        if client is not None:
            client.close()

    def kill(self) -> None:
        try:
            self.stop()
        except Exception:  # the container is dying anyway
            log.debug("could not close the consuming Mongo connection", exc_info=True)

    def republish(self, message: Any, *, exchange: str, routing_key: str, headers: Mapping[str, Any]) -> None:
        """Publish `message`'s body and properties anew; returns once the broker confirmed it."""
        props = {k: message.properties[k] for k in KEPT_PROPERTIES if message.properties.get(k) is not None}
        with get_producer(self.amqp_uri, confirms=True) as producer:
            try:
                producer.publish(
                    message.body,
                    exchange=exchange,
                    routing_key=routing_key,
                    headers=dict(headers),
                    content_type=message.content_type or "application/data",
                    content_encoding=message.content_encoding or "binary",
                    delivery_mode=2,
                    mandatory=True,
                    retry=True,
                    retry_policy=DEFAULT_RETRY_POLICY,
                    confirm_timeout=CONFIRM_TIMEOUT,
                    **props,
                )
            except ChannelError as exc:
                if "NO_ROUTE" in str(exc):
                    raise UndeliverableMessage(f"no queue behind exchange {exchange!r} / {routing_key!r}") from exc
                raise


class SafeEventHandler(EventHandler):
    """`nameko.events.EventHandler` with validation, idempotency, retry with backoff and parking."""

    support = ConsumerSupport()

    def __init__(self, source_service: str, event_type: str, *, lease_seconds: float = 60.0, **kwargs: Any):
        """`lease_seconds`: how long a claim on an event protects it from a concurrent duplicate."""
        if kwargs.pop("requeue_on_error", False):
            raise TypeError("handle_event retries through delay queues; requeue_on_error is not supported")
        self.lease_seconds = lease_seconds
        super().__init__(source_service, event_type, requeue_on_error=False, **kwargs)

    def setup(self) -> None:
        # undecodable bodies (bad JSON, refused content type) reach us instead of breaking the consumer
        self.consumer_options["on_decode_error"] = self._on_decode_error
        super().setup()

    @property
    def consumer_name(self) -> str:
        return f"{self.container.service_name}.{self.method_name}"

    # -- delivery -------------------------------------------------------------------------------

    def handle_message(self, body: Any, message: Any) -> None:
        self._spawn(partial(self._dispatch, body, message), "dispatch")

    def _on_decode_error(self, message: Any, exc: Exception) -> None:
        self._spawn(partial(self._park_poison, message, PoisonMessage(f"cannot decode body: {exc}")), "park")

    def _spawn(self, fn: Callable[[], None], what: str) -> None:
        ident = f"{type(self).__name__}.{what}[{self.consumer_name}]"
        self.container.spawn_managed_thread(partial(self._guarded, fn), identifier=ident)

    def _guarded(self, fn: Callable[[], None]) -> None:
        """Run in a managed thread, where an uncaught error would kill the container."""
        try:
            fn()
        except Exception:
            log.exception("unexpected error consuming on %s", self.queue.name)

    def _dispatch(self, body: Any, message: Any) -> None:
        try:
            envelope = self.parse(body)
        except PoisonMessage as exc:
            self._park_poison(message, exc)
            return
        support = self.support
        try:
            claim = support.store.claim(self.consumer_name, envelope.event_id, self.lease_seconds)
        except Exception as exc:
            log.warning("processed-event store unavailable for %s: %s", self.consumer_name, redact(str(exc)))
            self._requeue_later(message)
            return
        if claim is Claim.DONE:
            log.debug(
                "skipping %s event %s on %s: already handled", envelope.type, envelope.event_id, self.consumer_name
            )
            self.consumer.ack_message(message)
            return
        if claim is Claim.BUSY:
            self._postpone(message, envelope)
            return
        headers = message.headers or {}
        context_data = decode_from_headers({k: v for k, v in headers.items() if k.startswith(f"{HEADER_PREFIX}.")})
        try:
            self.container.spawn_worker(
                self,
                (envelope,),
                {},
                context_data=context_data,
                handle_result=partial(self.handle_result, message, envelope),
            )
        except ContainerBeingKilled:
            self.consumer.requeue_message(message)
            self._release(envelope)

    def parse(self, body: Any) -> EventEnvelope[Any]:
        """The typed envelope of a decoded body, or `PoisonMessage`."""
        try:
            envelope = parse_event(body)
        except InvalidEvent as exc:
            details = "; ".join(f"{e['field']}: {e['message']}" for e in exc.errors[1:])
            raise PoisonMessage(f"{exc}" + (f" (also {details})" if details else "")) from None
        except UnknownEventType as exc:
            raise PoisonMessage(str(exc)) from None
        if not any(c in self.event_type for c in "*#") and envelope.type != self.event_type:
            raise PoisonMessage(f"a {envelope.type!r} event reached the handler of {self.event_type!r}")
        return envelope

    def handle_result(
        self, message: Any, envelope: EventEnvelope[Any], worker_ctx: Any, result: Any = None, exc_info: Any = None
    ) -> tuple[Any, Any]:
        """Called in the worker, inside its span, before it ends: record or retry/park, then ack."""
        try:
            if exc_info is None:
                try:
                    self.support.store.complete(self.consumer_name, envelope.event_id)
                except Exception as exc:  # the effect happened; the retry will repeat it (see module doc)
                    exc_info = (type(exc), exc, exc.__traceback__)
                else:
                    _span_outcome("processed")
                    self.consumer.ack_message(message)
                    return result, None
            self._on_failure(message, envelope, exc_info[1])
        except Exception:
            log.exception("could not settle a delivery on %s; requeueing it", self.queue.name)
            self._requeue_later(message)
        return result, exc_info

    # -- failure paths --------------------------------------------------------------------------

    def _release(self, envelope: EventEnvelope[Any]) -> None:
        try:
            self.support.store.release(self.consumer_name, envelope.event_id)
        except Exception:  # the lease runs out on its own
            log.debug("could not release the claim on %s", envelope.event_id, exc_info=True)

    def _on_failure(self, message: Any, envelope: EventEnvelope[Any], error: BaseException) -> None:
        self._release(envelope)
        delays = self.support.retry_delays
        attempts = dl.attempts_of(message.headers) + 1
        if attempts <= len(delays):
            self._retry(message, envelope, error, attempts, delays[attempts - 1], len(delays) + 1)
        else:
            self._park(message, error, attempts=attempts, envelope=envelope)

    def _origin(self, message: Any) -> dict[str, str]:
        info = message.delivery_info or {}
        return {
            "exchange": str(info.get("exchange", "")),
            "routing_key": str(info.get("routing_key", "")),
            "queue": self.queue.name,
        }

    def _retry(
        self, message: Any, envelope: EventEnvelope[Any], error: BaseException, attempts: int, delay: int, most: int
    ) -> None:
        headers = dl.retry_headers(message.headers, attempts=attempts, **self._origin(message))
        try:
            self.support.republish(
                message, exchange=dl.retry_exchange(delay), routing_key=self.queue.name, headers=headers
            )
        except Exception as exc:
            log.error("could not schedule a retry on %s (%s); requeueing", self.queue.name, redact(str(exc)))
            self._requeue_later(message)
            return
        log.warning(
            "retrying %s event %s on %s in %d ms (attempt %d of %d failed): %s: %s",
            envelope.type,
            envelope.event_id,
            self.consumer_name,
            delay,
            attempts,
            most,
            type(error).__name__,
            redact(str(error))[:300],
        )
        _span_outcome("retry", {"attempt": attempts, "delay_ms": delay})
        self.consumer.ack_message(message)

    def _postpone(self, message: Any, envelope: EventEnvelope[Any]) -> None:
        """Another worker holds this event: look again after the first delay, not counting an attempt."""
        delays = self.support.retry_delays
        if not delays:
            self._requeue_later(message)
            return
        headers = dl.retry_headers(message.headers, attempts=dl.attempts_of(message.headers), **self._origin(message))
        try:
            self.support.republish(
                message, exchange=dl.retry_exchange(delays[0]), routing_key=self.queue.name, headers=headers
            )
        except Exception as exc:
            log.error("could not postpone a delivery on %s (%s); requeueing", self.queue.name, redact(str(exc)))
            self._requeue_later(message)
            return
        log.info("%s event %s is in hand elsewhere; retry in %d ms", envelope.type, envelope.event_id, delays[0])
        self.consumer.ack_message(message)

    def _park_poison(self, message: Any, error: PoisonMessage) -> None:
        self._park(message, error, attempts=dl.attempts_of(message.headers), envelope=None)

    def _park(self, message: Any, error: BaseException, *, attempts: int, envelope: EventEnvelope[Any] | None) -> None:
        if envelope is not None:
            event_type, event_id = envelope.type, str(envelope.event_id)
        else:
            event_type, event_id = dl.peek_event(message.body)  # py-amqp hands over str when it has an encoding
        headers = dl.park_headers(
            message.headers,
            error=error,
            attempts=attempts,
            consumer=self.consumer_name,
            event_id=event_id,
            event_type=event_type,
            **self._origin(message),
        )
        parking = self.support.parking_queue
        try:
            self.support.republish(message, exchange="", routing_key=parking, headers=headers)
        except Exception as exc:
            log.error("could not park a message from %s (%s); requeueing", self.queue.name, redact(str(exc)))
            self._requeue_later(message)
            return
        log.error(
            "parked %s event %s from %s in %s after %d attempt(s): %s: %s",
            event_type or "?",
            event_id or "?",
            self.consumer_name,
            parking,
            attempts,
            headers[dl.ERROR_TYPE],
            headers[dl.ERROR_MESSAGE][:300],
        )
        _span_outcome("parked", {"attempts": attempts, "parked_id": headers[dl.PARKED_ID]})
        self.consumer.ack_message(message)

    def _requeue_later(self, message: Any) -> None:
        eventlet.sleep(REQUEUE_PAUSE)
        try:
            self.consumer.requeue_message(message)
        except OSError as exc:
            # The connection is gone (nameko only swallows amqp's ConnectionError, not a socket's):
            # the broker redelivers every unacked delivery by itself. Raising here would end the
            # worker with an error, and nameko would kill the whole container.
            log.warning("could not requeue a delivery on %s (%s); the broker redelivers it", self.queue.name, exc)


handle_event = SafeEventHandler.decorator


# -- tracing ------------------------------------------------------------------------------------


def _span_outcome(outcome: str, attributes: Mapping[str, Any] | None = None) -> None:
    """Note the outcome on the worker's span (no-op without opentelemetry or outside a span)."""
    try:
        from opentelemetry import trace
    except ImportError:  # pragma: no cover - opentelemetry is a service dependency
        return
    span = trace.get_current_span()
    if span.is_recording():
        span.set_attribute("presscenter.consume.outcome", outcome)
        if attributes:
            span.add_event(f"presscenter.{outcome}", dict(attributes))


ENTRYPOINT_ADAPTERS: dict[str, str] = {}
"""For `NamekoInstrumentor().instrument(entrypoint_adapters=...)`; also registered on import."""

try:
    from nameko_opentelemetry import entrypoints as _otel_entrypoints
    from nameko_opentelemetry.events import EventHandlerEntrypointAdapter
except ImportError:  # pragma: no cover - opentelemetry-instrumentation-nameko is a service dependency
    pass
else:

    class SafeEventHandlerAdapter(EventHandlerEntrypointAdapter):  # type: ignore[misc]
        """CONSUMER span for `handle_event`, with the event's identity and no broker password.

        opentelemetry-instrumentation-nameko picks adapters by exact entrypoint type, so a
        subclass of EventHandler would otherwise get the generic SERVER-kind adapter.
        """

        span_kind: ClassVar[Any] = EventHandlerEntrypointAdapter.span_kind

        def get_attributes(self, worker_ctx: Any) -> dict[str, Any]:
            attrs: dict[str, Any] = super().get_attributes(worker_ctx)
            attrs = {k: redact(v) if isinstance(v, str) else v for k, v in attrs.items()}
            entrypoint = worker_ctx.entrypoint
            attrs.update(
                {
                    "messaging.system": "rabbitmq",
                    "messaging.operation": "process",
                    "messaging.destination.name": entrypoint.queue.name,
                    "messaging.consumer.group.name": entrypoint.consumer_name,
                }
            )
            envelope = worker_ctx.args[0] if worker_ctx.args else None
            if isinstance(envelope, EventEnvelope):
                attrs.update(
                    {
                        "messaging.message.id": str(envelope.event_id),
                        "messaging.message.conversation_id": envelope.correlation_id,
                        "presscenter.event.type": envelope.type,
                        "presscenter.event.version": envelope.version,
                        "presscenter.event.source": envelope.source,
                    }
                )
            return attrs

    _otel_entrypoints.adapter_types[SafeEventHandler] = SafeEventHandlerAdapter
    ENTRYPOINT_ADAPTERS[f"{__name__}.SafeEventHandler"] = f"{__name__}.SafeEventHandlerAdapter"
