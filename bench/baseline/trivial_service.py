"""A trivial nameko service for the gateway read benchmark's baseline: `trivial.get(request)` answers at
once, with no datastore and no validation, a body as large as the real release the benchmark reads
(`TRIVIAL_BODY_BYTES` of padding), so the wire carries the same bytes.

    nameko run --config <config> trivial_service     (cwd: bench/baseline)
"""

from __future__ import annotations

import os
from typing import Any

from nameko.rpc import rpc

PADDING = "x" * int(os.environ.get("TRIVIAL_BODY_BYTES", "2000"))


class TrivialService:
    name = "trivial"

    @rpc
    def get(self, request: dict[str, Any]) -> dict[str, Any]:
        return {"release_id": request.get("release_id"), "revision": 1, "body": PADDING}
