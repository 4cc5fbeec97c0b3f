"""Identifiers and links the exports give to releases, units and media assets."""

from __future__ import annotations

from urllib.parse import quote


def release_uri(base_uri: str, release_id: str) -> str:
    """The stable URI of a release (the same for every version; ninjs `version` tells them apart)."""
    return f"{base_uri.rstrip('/')}/releases/{quote(release_id, safe='')}"


def translation_uri(base_uri: str, release_id: str, language: str) -> str:
    return f"{release_uri(base_uri, release_id)}/{quote(language, safe='')}"


def unit_uri(unit_code: str) -> str:
    return f"urn:presscenter:unit:{quote(unit_code, safe='')}"


def asset_uri(asset_id: str) -> str:
    return f"urn:presscenter:asset:{quote(asset_id, safe='')}"
