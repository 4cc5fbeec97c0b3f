"""How assets and downloads are stored (kept out of `service.py`: `nameko run` inspects every
member of the service module, and a mongoengine Document there breaks service discovery)."""

from __future__ import annotations

import mongoengine as me

from presscenter.shared.plumbing.outbox import OutboxDocument


class AssetDocument(OutboxDocument):
    """`data` is the asset (`Asset.model_dump()`); the other fields exist to be queried or are internal.

    Times that queries compare on are integer microseconds since the epoch; "absent" is 0 or ""
    (the embedded datastore matches no null).
    """

    meta = {
        "collection": "assets",
        "db_alias": "media",
        "indexes": [
            "status",
            "owner_unit_code",
            "created_by_id",
            "tags",
            "release_ids",
            "-created_us",
            "upload_expires_us",
            "cleanup_pending",
        ],
    }

    id = me.StringField(primary_key=True)
    revision = me.IntField(required=True, min_value=1)
    status = me.StringField(required=True)
    access = me.StringField(required=True)
    owner_unit_code = me.StringField(required=True)
    created_by_id = me.StringField(required=True)
    tags = me.ListField(me.StringField())
    release_ids = me.ListField(me.StringField())
    embargo_until_us = me.IntField(required=True, default=0)
    created_us = me.IntField(required=True)
    upload_expires_us = me.IntField(required=True, default=0, help_text="0 once no upload is awaited")
    processing_until_us = me.IntField(required=True, default=0)
    multipart_upload_id = me.StringField(default="")
    cleanup_pending = me.IntField(required=True, default=0, help_text="1: the upload object is still to delete")
    data = me.DictField(required=True)


class DownloadDocument(me.Document):
    """One download URL handed out: who, which asset and rendition, when."""

    meta = {"collection": "downloads", "db_alias": "media", "indexes": [("asset_id", "-at_us")]}

    id = me.StringField(primary_key=True)
    asset_id = me.StringField(required=True)
    rendition = me.StringField(required=True)
    viewer_id = me.StringField(required=True)
    viewer_role = me.StringField(required=True)
    viewer_unit_code = me.StringField(default="")
    at_us = me.IntField(required=True)
    data = me.DictField(required=True)
