"""How releases are stored: one document per release, the whole aggregate plus query fields.

Kept out of `service.py`: `nameko run` inspects every member of the service module, and a
mongoengine Document there breaks service discovery.
"""

from __future__ import annotations

import mongoengine as me

from presscenter.shared.plumbing.outbox import OutboxDocument


class ReleaseDocument(OutboxDocument):
    """`data` is the aggregate (`Release.model_dump()`); the other fields exist to be queried.

    Times that queries compare or sort on are integer microseconds since the epoch: exact on
    every store (the embedded one compares datetimes in whole seconds in filters).
    """

    meta = {
        "collection": "releases",
        "db_alias": "releases",
        "indexes": [
            "status",
            "unit_code",
            "categories",
            "places",
            "search_terms",
            "-sort_key",
            "published_us",
            "publish_due_us",
            "embargo_until_us",
        ],
    }

    id = me.StringField(primary_key=True)
    revision = me.IntField(required=True, min_value=1)
    status = me.StringField(required=True)
    unit_code = me.StringField(required=True)
    categories = me.ListField(me.StringField())
    places = me.ListField(me.StringField())
    search_terms = me.ListField(me.StringField())
    sort_key = me.IntField(required=True)
    published_us = me.IntField(null=True)
    embargo_until_us = me.IntField(required=True, default=0)
    publish_due_us = me.IntField(required=True, default=0)
    data = me.DictField(required=True)
