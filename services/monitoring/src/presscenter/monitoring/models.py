"""How monitoring stores its state: one collection per kind, declared here for their indexes.

Kept out of `service.py` (`nameko run` inspects every member of the service module). Times that
queries compare or sort on are integer microseconds since the epoch; "" stands for "none" in
fields that are queried (the embedded datastore does not match `{"x": None}`).

The `items` collection is the source of truth: each item carries its story, its claim and
stance, and the alert and trends it raised, and its insert carries their events (outbox). The
other collections are views kept beside it (stories, alerts, trends) or inputs (claims, the
official statements taken from releases, feed polling state, parked items).
"""

from __future__ import annotations

import mongoengine as me

from presscenter.shared.plumbing.outbox import OutboxDocument

ALIAS = "monitoring"


class ItemDocument(OutboxDocument):
    meta = {
        "collection": "items",
        "db_alias": ALIAS,
        "indexes": ["published_us", "story_id", ("claim_id", "published_us"), "alert_id", "outbox_pending"],
    }

    id = me.StringField(primary_key=True)
    url = me.StringField(required=True)
    source = me.StringField(required=True)
    source_type = me.StringField(required=True)
    title = me.StringField(default="")
    text = me.StringField(default="")
    language = me.StringField(default="vi")
    published_us = me.IntField(required=True)
    received_us = me.IntField(required=True)
    engagement = me.IntField(default=0)
    shares = me.IntField(default=0)
    comments = me.IntField(default=0)
    reactions = me.IntField(default=0)
    shared_from_url = me.StringField(default="")
    origin = me.StringField(default="event")
    story_id = me.StringField(required=True)
    claim_id = me.StringField(default="")
    stance = me.StringField(default="")
    claim_score = me.FloatField(default=0.0)
    release_id = me.StringField(default="")  # the release the item contradicts, if any
    alert_id = me.StringField(default="")
    trend_ids = me.ListField(me.StringField())
    analysed_by = me.StringField(default="")  # the replica that held the analysis lease


class StoryDocument(me.Document):
    meta = {"collection": "stories", "db_alias": ALIAS, "indexes": ["-last_seen_us", "claim_id"]}

    id = me.StringField(primary_key=True)
    first_seen_us = me.IntField(required=True)
    last_seen_us = me.IntField(required=True)
    first_item = me.DictField(required=True)
    item_count = me.IntField(default=0)
    sources = me.ListField(me.StringField())
    engagement = me.IntField(default=0)
    claim_id = me.StringField(default="")


class ClaimDocument(me.Document):
    meta = {
        "collection": "claims",
        "db_alias": ALIAS,
        "indexes": ["status", "topic", "unit_code", "-created_us", "updated_us"],
    }

    id = me.StringField(primary_key=True)
    revision = me.IntField(required=True, min_value=1)
    text = me.StringField(required=True)
    rating = me.StringField(required=True)
    topic = me.StringField(default="")
    unit_code = me.StringField(required=True)
    status = me.StringField(required=True)
    refuted_by_release = me.StringField(default="")
    refuted_us = me.IntField(default=0)
    source_url = me.StringField(default="")
    created_us = me.IntField(required=True)
    updated_us = me.IntField(required=True)


class AlertDocument(me.Document):
    meta = {
        "collection": "alerts",
        "db_alias": ALIAS,
        "indexes": ["-raised_us", ("claim_id", "-raised_us"), ("release_id", "-raised_us")],
    }

    id = me.StringField(primary_key=True)
    kind = me.StringField(required=True)
    claim_id = me.StringField(default="")
    claim_text = me.StringField(required=True)
    release_id = me.StringField(default="")
    release_says = me.StringField(default="")  # for `contradicts_release`: the release's statement
    reason = me.StringField(default="")  # for `contradicts_release`: which value or negation differs
    unit_code = me.StringField(required=True)
    topic = me.StringField(default="")
    score = me.FloatField(required=True)
    raised_us = me.IntField(required=True)
    first_seen_us = me.IntField(required=True)
    last_seen_us = me.IntField(required=True)
    item_count = me.IntField(default=1)
    sources = me.ListField(me.StringField())


class TrendDocument(me.Document):
    meta = {"collection": "trends", "db_alias": ALIAS, "indexes": ["-detected_us", "keys"]}

    id = me.StringField(primary_key=True)
    detected_us = me.IntField(required=True)
    window_start_us = me.IntField(required=True)
    terms = me.ListField(me.StringField())
    keys = me.ListField(me.StringField())
    volume = me.IntField(required=True)
    expected = me.FloatField(required=True)
    growth = me.FloatField(required=True)
    distinct_sources = me.IntField(required=True)
    story_ids = me.ListField(me.StringField())
    item_ids = me.ListField(me.StringField())


class StatementDocument(me.Document):
    """An official release as monitoring took it in: its facts (contradictions) and the claims it refutes."""

    meta = {"collection": "statements", "db_alias": ALIAS, "indexes": ["published_us"]}

    id = me.StringField(primary_key=True)
    unit_code = me.StringField(required=True)
    title = me.StringField(required=True)
    body = me.StringField(default="")
    published_us = me.IntField(required=True)
    refutes = me.ListField(me.StringField())


class ParkedItemDocument(me.Document):
    """An item that could not be analysed, with the reason."""

    meta = {"collection": "parked_items", "db_alias": ALIAS, "indexes": ["-received_us", "reason"]}

    id = me.StringField(primary_key=True)
    reason = me.StringField(required=True)
    source = me.StringField(default="")
    url = me.StringField(default="")
    received_us = me.IntField(required=True)


class FeedDocument(me.Document):
    """Polling state of one configured RSS/Atom feed."""

    meta = {"collection": "feeds", "db_alias": ALIAS}

    id = me.StringField(primary_key=True)
    url = me.StringField(required=True)
    etag = me.StringField(default="")
    modified = me.StringField(default="")
    polled_us = me.IntField(default=0)
    entries_seen = me.IntField(default=0)
    last_error = me.StringField(default="")


DOCUMENTS: tuple[type[me.Document], ...] = (
    ItemDocument,
    StoryDocument,
    ClaimDocument,
    AlertDocument,
    TrendDocument,
    StatementDocument,
    ParkedItemDocument,
    FeedDocument,
)
