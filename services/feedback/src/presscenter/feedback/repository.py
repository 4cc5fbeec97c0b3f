"""Storing and finding questions. Every change is one atomic write guarded by the revision it was
based on, carrying its events in the same write (the outbox)."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

from presscenter.feedback.domain.workflow import next_check
from presscenter.feedback.models import QuestionDocument
from presscenter.shared.events.envelope import EventEnvelope
from presscenter.shared.plumbing.outbox import new_document_with_events, with_events
from presscenter.shared.rpc.errors import Conflict, InvalidInput, NotFound
from presscenter.shared.rpc.feedback import PublicAnswer, Question, QuestionSummary
from presscenter.shared.text import search_terms, tokens

# queue order: running clocks by the unit's deadline, then paused ones, then answered and closed
PAUSED_KEY = 8_000_000_000_000_000_000
DONE_KEY = 9_000_000_000_000_000_000


def micros(moment: datetime | None) -> int:
    """Microseconds since the epoch; 0 for none."""
    return 0 if moment is None else int(moment.timestamp() * 1_000_000)


def queue_key(q: Question) -> int:
    if q.status in ("answered", "closed"):
        return DONE_KEY
    due = q.leg.due_at
    return PAUSED_KEY if q.paused or due is None else micros(due)


def query_fields(q: Question) -> dict[str, Any]:
    """The stored document of `q`, without the outbox fields."""
    answer = q.answer
    return {
        "revision": q.revision,
        "status": q.status,
        "origin": q.origin,
        "unit_code": q.unit_code,
        "leg_units": sorted({leg.unit_code for leg in q.legs}),
        "journalist_id": q.journalist_id,
        "category": q.category,
        "priority": q.priority,
        "stage": q.sla.stage,
        "public": bool(q.public and answer is not None),
        "sort_key": micros(q.created_at),
        "queue_key": queue_key(q),
        "next_check_us": micros(next_check(q)),
        "answered_us": micros(answer.answered_at) if answer else 0,
        "search_terms": search_terms(q.title, q.body, answer.text if answer else ""),
        "data": q.model_dump(mode="python"),
    }


def summary(q: Question) -> QuestionSummary:
    return QuestionSummary(
        id=q.id,
        revision=q.revision,
        title=q.title,
        category=q.category,
        priority=q.priority,
        status=q.status,
        origin=q.origin,
        unit_code=q.unit_code,
        journalist_id=q.journalist_id,
        escalation_level=q.escalation_level,
        created_at=q.created_at,
        updated_at=q.updated_at,
        due_at=q.sla.due_at,
        unit_due_at=q.leg.due_at if q.leg.outcome == "open" else None,
        stage=q.sla.stage,
        paused=q.paused,
    )


def public_answer(q: Question) -> PublicAnswer:
    answer = q.answer
    assert answer is not None
    return PublicAnswer(
        id=q.id,
        title=q.title,
        body=q.body,
        category=q.category,
        unit_code=answer.unit_code,
        asked_at=q.created_at,
        answered_at=answer.answered_at,
        answer=answer.text,
        escalation_level=q.escalation_level,
        within_deadline=answer.within_deadline,
    )


def encode_cursor(key: int, question_id: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([key, question_id]).encode()).decode()


def decode_cursor(cursor: str) -> tuple[int, str]:
    try:
        key, question_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        return int(key), str(question_id)
    except (ValueError, TypeError, binascii.Error):
        raise InvalidInput("not a cursor this service gave out; start again without it", "cursor") from None


class QuestionRepository:
    def __init__(self) -> None:
        self.collection: Collection[Any] = QuestionDocument._get_collection()

    def get(self, question_id: str) -> Question:
        doc = self.collection.find_one({"_id": question_id}, {"data": 1})
        if doc is None:
            raise NotFound(f"no question {question_id}", "question_id")
        return Question.model_validate(doc["data"])

    def exists(self, question_id: str) -> bool:
        # find_one, not count_documents: counting is an aggregation, which some stores run as a scan
        return self.collection.find_one({"_id": question_id}, {"_id": 1}) is not None

    def insert(self, q: Question, events: Sequence[EventEnvelope[Any]]) -> bool:
        """Store a new question with its events; False when that id is already stored (a re-delivery)."""
        doc = new_document_with_events({"_id": q.id, **query_fields(q)}, *events)
        try:
            self.collection.insert_one(doc)
        except DuplicateKeyError:
            return False
        return True

    def update(self, q: Question, base_revision: int, events: Sequence[EventEnvelope[Any]]) -> None:
        """Replace the stored question if it is still at `base_revision`, with its events, atomically."""
        update = with_events({"$set": query_fields(q)}, *events)
        result = self.collection.update_one({"_id": q.id, "revision": base_revision}, update)
        if result.matched_count == 1:
            return
        current = self.get(q.id)  # NotFound when it is gone
        raise Conflict(
            f"question {q.id} is at revision {current.revision}, not {base_revision}: reload and retry",
            "expected_revision",
            current_revision=current.revision,
        )

    def reschedule(self, question_id: str, revision: int, next_check_us: int) -> None:
        """Move the clock's next look at a question (only if it did not change meanwhile)."""
        guard = {"_id": question_id, "revision": revision}
        self.collection.update_one(guard, {"$set": {"next_check_us": next_check_us}})

    def due(self, now: datetime, limit: int) -> list[str]:
        """Ids of questions the clock must look at now, the longest waiting first."""
        query = {"next_check_us": {"$gt": 0, "$lte": micros(now)}}
        cursor = self.collection.find(query, {"_id": 1}).sort("next_check_us", ASCENDING).limit(limit)
        return [doc["_id"] for doc in cursor]

    def page(self, clauses: list[dict[str, Any]], cursor: str | None, limit: int) -> tuple[list[Question], str | None]:
        """Questions matching every clause, by `queue_key` then id, after `cursor`."""
        if cursor:
            key, last_id = decode_cursor(cursor)
            clauses = [*clauses, {"$or": [{"queue_key": {"$gt": key}}, {"queue_key": key, "_id": {"$gt": last_id}}]}]
        query: dict[str, Any] = {"$and": clauses} if clauses else {}
        docs = list(
            self.collection.find(query, {"data": 1, "queue_key": 1})
            .sort([("queue_key", ASCENDING), ("_id", ASCENDING)])
            .limit(limit + 1)
        )
        page = docs[:limit]
        items = [Question.model_validate(doc["data"]) for doc in page]
        next_cursor = encode_cursor(page[-1]["queue_key"], page[-1]["_id"]) if len(docs) > limit else None
        return items, next_cursor

    def public_page(
        self, q: str | None, category: str | None, unit_code: str | None, cursor: str | None, limit: int
    ) -> tuple[list[PublicAnswer], str | None]:
        """Answered questions marked public, newest answer first."""
        clauses: list[dict[str, Any]] = [{"public": True}, {"answered_us": {"$gt": 0}}]
        if q:
            terms = tokens(q)
            if not terms:
                raise InvalidInput("give at least one word to search for", "q")
            clauses.append({"search_terms": {"$all": terms}})
        if category:
            clauses.append({"category": category})
        if unit_code:
            clauses.append({"unit_code": unit_code})
        if cursor:
            key, last_id = decode_cursor(cursor)
            clauses.append({"$or": [{"answered_us": {"$lt": key}}, {"answered_us": key, "_id": {"$lt": last_id}}]})
        docs = list(
            self.collection.find({"$and": clauses}, {"data": 1, "answered_us": 1})
            .sort([("answered_us", DESCENDING), ("_id", DESCENDING)])
            .limit(limit + 1)
        )
        page = docs[:limit]
        items = [public_answer(Question.model_validate(doc["data"])) for doc in page]
        next_cursor = encode_cursor(page[-1]["answered_us"], page[-1]["_id"]) if len(docs) > limit else None
        return items, next_cursor

    def with_legs_at(self, unit_codes: Sequence[str]) -> Iterator[Question]:
        """Every question that any of `unit_codes` held at some point (every question when empty)."""
        query: dict[str, Any] = {"leg_units": {"$in": list(unit_codes)}} if unit_codes else {}
        for doc in self.collection.find(query, {"data": 1}):
            yield Question.model_validate(doc["data"])

    def find(self, clauses: list[dict[str, Any]], limit: int) -> list[Question]:
        """Questions matching every clause, oldest first."""
        query: dict[str, Any] = {"$and": clauses} if clauses else {}
        docs = self.collection.find(query, {"data": 1}).sort([("sort_key", ASCENDING), ("_id", ASCENDING)])
        return [Question.model_validate(doc["data"]) for doc in docs.limit(limit)]
