"""The release aggregate and its immutable published versions.

The models are the releases RPC contract (`presscenter.shared.rpc.releases`): the domain works
on exactly what clients read. `revision` counts every change and is what callers must name to
change a release (a stale revision is a conflict). `version` is the public version of the
published text (ninjs `version`): 1 at first publication, +1 per correction.
"""

from presscenter.shared.rpc.releases import (
    MAX_BODY,
    MAX_LEAD,
    MAX_TITLE,
    Action,
    Content,
    HistoryEntry,
    Intake,
    PublishedVersion,
    Release,
    Withdrawal,
)

__all__ = [
    "MAX_BODY",
    "MAX_LEAD",
    "MAX_TITLE",
    "Action",
    "Content",
    "HistoryEntry",
    "Intake",
    "PublishedVersion",
    "Release",
    "Withdrawal",
]
