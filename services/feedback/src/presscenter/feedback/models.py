"""How questions are stored: one document per question, the whole aggregate plus query fields.

Kept out of `service.py`: `nameko run` inspects every member of the service module, and a
mongoengine Document there breaks service discovery.
"""

from __future__ import annotations

import mongoengine as me

from presscenter.shared.plumbing.outbox import OutboxDocument


class QuestionDocument(OutboxDocument):
    """`data` is the aggregate (`Question.model_dump()`); the other fields exist to be queried.

    Times that queries compare or sort on are integer microseconds since the epoch (the embedded
    store compares datetimes in whole seconds). 0 means "none" (the embedded store matches no null).
    """

    meta = {
        "collection": "questions",
        "db_alias": "feedback",
        "indexes": [
            "status",
            "unit_code",
            "leg_units",
            "journalist_id",
            "category",
            "queue_key",
            "next_check_us",
            "-answered_us",
            "search_terms",
        ],
    }

    id = me.StringField(primary_key=True)
    revision = me.IntField(required=True, min_value=1)
    status = me.StringField(required=True)
    origin = me.StringField(required=True)
    unit_code = me.StringField(required=True)
    leg_units = me.ListField(me.StringField())
    journalist_id = me.StringField(required=True)
    category = me.StringField(required=True)
    priority = me.StringField(required=True)
    stage = me.StringField(required=True)
    public = me.BooleanField(required=True, default=False)
    sort_key = me.IntField(required=True)
    queue_key = me.IntField(required=True)
    next_check_us = me.IntField(required=True, default=0)
    answered_us = me.IntField(required=True, default=0)
    search_terms = me.ListField(me.StringField())
    data = me.DictField(required=True)
