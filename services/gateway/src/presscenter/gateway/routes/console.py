"""`/console/`: the web console, a static single-page app packaged with the gateway.

The files live in `presscenter.gateway.console` (`static/`), are read once when the router is
built and served from memory. Every asset is addressed under a version made from the hash of all
the files (`/console/assets/<version>/app.js`), so browsers keep them for a year (`immutable`);
`index.html` names that version and is never cached (`no-cache`), so a new gateway's console is
picked up on the next load. ES modules import each other by relative paths, so they stay inside
the same version. An asset asked for under another version (a page loaded before a deploy) is
served as it is now, without the long cache.
"""

from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Annotated

from fastapi import APIRouter, Header, Path
from fastapi.responses import RedirectResponse, Response

from presscenter.gateway.problems import ApiProblem

CONSOLE_PACKAGE = "presscenter.gateway.console"
INDEX = "index.html"
ASSET_BASE_MARK = "%ASSET_BASE%"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
CONTENT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".svg": "image/svg+xml",
    ".json": "application/json",
    ".txt": "text/plain; charset=utf-8",
    ".webmanifest": "application/manifest+json",
}
# The console calls only this origin's API; uploads and downloads may go to object storage elsewhere.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob: http: https:; "
    "connect-src 'self' http: https:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


@dataclass(frozen=True)
class StaticFile:
    body: bytes
    content_type: str
    etag: str


@dataclass(frozen=True)
class ConsoleFiles:
    """Every file of the console by its path under `static/`, and the version of the whole set."""

    files: dict[str, StaticFile]
    version: str

    def index(self, prefix: str) -> StaticFile:
        """index.html naming this version's asset base."""
        page = self.files[INDEX].body.replace(ASSET_BASE_MARK.encode(), f"{prefix}/assets/{self.version}/".encode())
        return StaticFile(page, CONTENT_TYPES[".html"], f'"{self.version}"')


def content_type(name: str) -> str:
    suffix = name[name.rfind(".") :] if "." in name else ""
    return CONTENT_TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def _walk(folder: Traversable, prefix: str = "") -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for entry in folder.iterdir():
        name = f"{prefix}{entry.name}"
        if entry.is_dir():
            found.update(_walk(entry, f"{name}/"))
        elif entry.is_file() and not entry.name.startswith("."):
            found[name] = entry.read_bytes()
    return found


def load_console(package: str = CONSOLE_PACKAGE) -> ConsoleFiles:
    raw = _walk(resources.files(package) / "static")
    if INDEX not in raw:
        raise RuntimeError(f"the console has no {INDEX} in {package}/static")
    whole = hashlib.sha256()
    files: dict[str, StaticFile] = {}
    for name in sorted(raw):
        digest = hashlib.sha256(raw[name]).hexdigest()
        whole.update(f"{name}\0{digest}\0".encode())
        files[name] = StaticFile(raw[name], content_type(name), f'"{digest[:16]}"')
    return ConsoleFiles(files, whole.hexdigest()[:12])


def _served(file: StaticFile, cache: str, if_none_match: str | None) -> Response:
    headers = {"Cache-Control": cache, "ETag": file.etag, **SECURITY_HEADERS}
    if if_none_match is not None and file.etag in {tag.strip() for tag in if_none_match.split(",")}:
        return Response(status_code=304, headers=headers)
    return Response(file.body, media_type=file.content_type, headers=headers)


IfNoneMatch = Annotated[str | None, Header(alias="If-None-Match", max_length=200, include_in_schema=False)]


def console_router(prefix: str = "/console", package: str = CONSOLE_PACKAGE) -> APIRouter:
    """The console's routes; its files are read now, once."""
    console = load_console(package)
    index = console.index(prefix)
    router = APIRouter(prefix=prefix, tags=["console"])

    @router.get("", include_in_schema=False)
    async def console_root() -> RedirectResponse:
        return RedirectResponse(f"{prefix}/", status_code=308)

    @router.get(
        "/",
        summary="The web console (HTML page; the app loads its assets from /console/assets/<version>/)",
        response_class=Response,
        responses={200: {"content": {"text/html": {}}, "description": "The console's page, never cached."}},
    )
    async def console_page(if_none_match: IfNoneMatch = None) -> Response:
        return _served(index, REVALIDATE, if_none_match)

    @router.get("/assets/{version}/{path:path}", include_in_schema=False)
    async def console_asset(
        version: Annotated[str, Path(max_length=40)],
        path: Annotated[str, Path(max_length=300)],
        if_none_match: IfNoneMatch = None,
    ) -> Response:
        file = console.files.get(path)
        if file is None or path == INDEX:
            raise ApiProblem(404, "not-found", f"the console has no file {path!r}")
        return _served(file, IMMUTABLE if version == console.version else REVALIDATE, if_none_match)

    return router
