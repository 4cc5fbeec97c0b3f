"""IPTC ninjs 3.1 ("News in JSON") for one published version of a release.

Mapping (ninjs 3.1 field: source):
- `uri`: the release (stable across versions); `version`: the published version, as the string
  the schema demands; `firstCreated`: first publication; `versionCreated`: this version's
  publication; `embargoedUntil`: the embargo end where one was set.
- `pubStatus`: `usable`, or `canceled` once the release is withdrawn (IPTC: "withheld" means
  "not to be used until further notice", which is not what an embargo is: an embargoed release is
  `usable` with `embargoedUntil`).
- `edNote` (the note to editors at the receiving end that the schema asks to prefer over
  `descriptions`): the correction note of this version and the withdrawal notice.
- `headlines`, `descriptions` (the lead, role `summary`) and `bodies` (the Markdown source as
  `text/markdown`, plus a safe `text/html` rendering) in the release's `language`.
- ninjs 3.1 has no per-headline or per-body language, only the item's `language`: the English
  text, where present, is an associated ninjs object (`name` `translation-en`,
  `rel` `translation`, `language` `en`) with its own headlines, descriptions and bodies.
- `associations` also name the attached media assets (`urn:presscenter:asset:<id>`, ids only)
  and, for a release withdrawn as superseded, the release that supersedes it.
- `subjects`: categories; `places`: unit codes; `infoSources` / `by`: the issuing unit, with the
  release's contacts as its `contactInfo`; `altIds`: the release id and a department's own id.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from presscenter.releases.domain.model import Content, PublishedVersion, Release
from presscenter.releases.exports.markdown import markdown_to_html
from presscenter.releases.exports.timestamps import rfc3339
from presscenter.releases.exports.uris import asset_uri, release_uri, translation_uri, unit_uri
from presscenter.releases.exports.versions import embargo_of, first_published_at, published_version
from presscenter.shared.events.common import Contact

NINJS_VERSION = "3.1"
NINJS_SCHEMA_URI = "http://www.iptc.org/std/ninjs/ninjs-schema_3.1.json#"
PROFILE = "press-release"
PRESS_RELEASE_GENRE = {"name": "Press release", "literal": "press-release"}

WITHDRAWAL_REASONS = {
    "published_in_error": "published in error",
    "superseded": "superseded by another release",
    "withdrawn": "withdrawn",
}

Ninjs = dict[str, Any]


def to_ninjs(
    release: Release,
    version: int | None = None,
    *,
    base_uri: str,
    unit_names: Mapping[str, str] | None = None,
) -> Ninjs:
    """ninjs 3.1 for `version` (default: the latest) of a published release.

    `unit_names` maps unit codes to display names (for `by`, `infoSources` and `places`); codes
    stand in for missing names. Raises InvalidInput for an unpublished release or unknown version.
    """
    published = published_version(release, version)
    names = unit_names or {}
    item: Ninjs = {
        "uri": release_uri(base_uri, release.id),
        "standard": {"name": "ninjs", "version": NINJS_VERSION, "schema": NINJS_SCHEMA_URI},
        "type": "text",
        "profile": PROFILE,
        "representationType": "full",
        "version": str(published.version),
        "firstCreated": rfc3339(first_published_at(release)),
        "versionCreated": rfc3339(published.published_at),
        "pubStatus": pub_status(release),
        "language": published.content.language,
        "genres": [dict(PRESS_RELEASE_GENRE)],
        "by": names.get(release.unit_code, release.unit_code),
        "infoSources": [_info_source(release.unit_code, names, published.content.contacts)],
        "altIds": _alt_ids(release),
    }
    item |= _text(published.content.title, published.content.lead, published.content.body)
    if (embargo := embargo_of(release, published)) is not None:
        item["embargoedUntil"] = rfc3339(embargo)
    if note := ed_note(release, published, base_uri):
        item["edNote"] = note
    if subjects := [{"name": c, "literal": c} for c in published.content.categories]:
        item["subjects"] = subjects
    if places := [_place(code, names) for code in published.content.places]:
        item["places"] = places
    if associations := _associations(release, published, base_uri):
        item["associations"] = associations
    return item


def pub_status(release: Release) -> str:
    return "canceled" if release.status == "withdrawn" or release.withdrawal is not None else "usable"


def ed_note(release: Release, published: PublishedVersion, base_uri: str) -> str:
    """What editors receiving this version must know: its correction and any withdrawal."""
    notes = []
    if published.correction_note:
        notes.append(
            f"Correction {published.correction_sequence} (version {published.version}): {published.correction_note}"
        )
    if (withdrawal := release.withdrawal) is not None:
        notice = f"Withdrawn on {rfc3339(withdrawal.at)}: {WITHDRAWAL_REASONS[withdrawal.reason]}."
        if withdrawal.superseded_by:
            notice += f" Superseded by {release_uri(base_uri, withdrawal.superseded_by)}."
        if withdrawal.note:
            notice += f" {withdrawal.note}"
        notes.append(notice)
    return "\n".join(notes)


def _text(title: str | None, lead: str | None, body: str | None) -> Ninjs:
    """headlines / descriptions / bodies for whichever of the three texts is present."""
    blocks: Ninjs = {}
    if title:
        blocks["headlines"] = [{"role": "main", "value": title}]
    if lead:
        blocks["descriptions"] = [{"role": "summary", "contentType": "text/plain", "value": lead}]
    if body:
        blocks["bodies"] = [
            {"role": "main", "contentType": "text/markdown", "value": body},
            {"role": "main", "contentType": "text/html", "value": markdown_to_html(body)},
        ]
    return blocks


def _info_source(unit_code: str, names: Mapping[str, str], contacts: tuple[Contact, ...]) -> Ninjs:
    source: Ninjs = {
        "name": names.get(unit_code, unit_code),
        "role": "originator",
        "uri": unit_uri(unit_code),
        "literal": unit_code,
    }
    if contact_info := [entry for contact in contacts for entry in _contact_info(contact)]:
        source["contactInfo"] = contact_info
    return source


def _contact_info(contact: Contact) -> list[Ninjs]:
    """One ninjs contactInfo per way to reach the person (ninjs wants a `value` in each)."""
    ways = (("phone", contact.phone), ("email", contact.email))
    return [{"type": kind, "name": contact.name, "value": value} for kind, value in ways if value]


def _place(unit_code: str, names: Mapping[str, str]) -> Ninjs:
    return {"name": names.get(unit_code, unit_code), "uri": unit_uri(unit_code), "literal": unit_code}


def _alt_ids(release: Release) -> list[Ninjs]:
    alt_ids = [{"role": "presscenter-release-id", "value": release.id}]
    if release.intake is not None:
        alt_ids.append({"role": f"{release.intake.source}-external-id", "value": release.intake.external_id})
    return alt_ids


def _associations(release: Release, published: PublishedVersion, base_uri: str) -> list[Ninjs]:
    content = published.content
    associations = [
        {"name": f"media-{n}", "rel": "attachment", "uri": asset_uri(asset_id)}
        for n, asset_id in enumerate(content.media_asset_ids, start=1)
    ]
    if (translation := _english(release, published, base_uri)) is not None:
        associations.append(translation)
    if release.withdrawal is not None and release.withdrawal.superseded_by:
        associations.append(
            {
                "name": "superseded-by",
                "rel": "supersededBy",
                "uri": release_uri(base_uri, release.withdrawal.superseded_by),
            }
        )
    return associations


def _english(release: Release, published: PublishedVersion, base_uri: str) -> Ninjs | None:
    """The English text as an associated ninjs object, when the release has one."""
    content: Content = published.content
    if content.language == "en" or not (content.title_en or content.lead_en or content.body_en):
        return None
    return {
        "name": "translation-en",
        "rel": "translation",
        "uri": translation_uri(base_uri, release.id, "en"),
        "type": "text",
        "version": str(published.version),
        "versionCreated": rfc3339(published.published_at),
        "pubStatus": pub_status(release),
        "language": "en",
        **_text(content.title_en, content.lead_en, content.body_en),
    }
