"""Exports of published releases: IPTC ninjs 3.1 and the public Atom / JSON Feed.

Pure functions over `Release` models: no nameko, no Mongo, no clock (callers pass `now`).
"""

from presscenter.releases.exports.feeds import DEFAULT_FEED_LIMIT, atom_feed, feed_releases, json_feed
from presscenter.releases.exports.ninjs import NINJS_SCHEMA_URI, NINJS_VERSION, to_ninjs

__all__ = [
    "DEFAULT_FEED_LIMIT",
    "NINJS_SCHEMA_URI",
    "NINJS_VERSION",
    "atom_feed",
    "feed_releases",
    "json_feed",
    "to_ninjs",
]
