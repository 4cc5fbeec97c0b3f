"""A small, safe Markdown to HTML renderer for release bodies.

Supports what releases use: paragraphs, ATX headings (`#`..`######`), bullet and numbered lists,
block quotes, fenced code blocks, `**strong**`, `*emphasis*` / `_emphasis_`, `` `code` `` and
`[links](https://...)`. All source text is HTML-escaped first, so raw HTML in a body is shown as
text, never passed through; links are kept only for http(s), mailto and site-relative targets.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
_BULLET = re.compile(r"^ {0,3}[-*+][ \t]+(.*)$")
_NUMBERED = re.compile(r"^ {0,3}\d{1,9}[.)][ \t]+(.*)$")
_QUOTE = re.compile(r"^ {0,3}>[ \t]?(.*)$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")

_CODE_SPAN = re.compile(r"`([^`\n]+)`")
_LINK = re.compile(r"\[([^\[\]\n]+)\]\(([^()\s]+)\)")
_STRONG = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*|(?<!\w)__(?=\S)(.+?)(?<=\S)__(?!\w)")
_EMPHASIS = re.compile(r"\*(?=[^\s*])(.+?)(?<=[^\s*])\*|(?<!\w)_(?=[^\s_])(.+?)(?<=[^\s_])_(?!\w)")
_SAFE_SCHEMES = ("http://", "https://", "mailto:")
_TOKEN = "\x00{}\x00"
_TOKEN_RE = re.compile("\x00(\\d+)\x00")


def markdown_to_html(source: str) -> str:
    """HTML for `source`; every character of the source is escaped or rendered, none passed raw."""
    lines = source.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "\ufffd").split("\n")
    return "\n".join(_blocks(lines))


def _blocks(lines: list[str]) -> Iterator[str]:
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
        elif _FENCE.match(line):
            i = yield from _fenced(lines, i)
        elif heading := _HEADING.match(line):
            level = len(heading.group(1))
            yield f"<h{level}>{inline(heading.group(2))}</h{level}>"
            i += 1
        elif _QUOTE.match(line):
            i = yield from _quote(lines, i)
        elif _BULLET.match(line) or _NUMBERED.match(line):
            i = yield from _list(lines, i)
        else:
            i = yield from _paragraph(lines, i)


def _fenced(lines: list[str], start: int) -> Iterator[str]:
    fence = _FENCE.match(lines[start])
    assert fence is not None
    end = start + 1
    while end < len(lines) and not lines[end].lstrip().startswith(fence.group(1)):
        end += 1
    code = "\n".join(lines[start + 1 : end])
    yield f"<pre><code>{html.escape(code)}</code></pre>"
    return end + 1


def _quote(lines: list[str], start: int) -> Iterator[str]:
    end, quoted = start, []
    while end < len(lines) and (match := _QUOTE.match(lines[end])):
        quoted.append(match.group(1))
        end += 1
    yield "<blockquote>\n" + "\n".join(_blocks(quoted)) + "\n</blockquote>"
    return end


def _list(lines: list[str], start: int) -> Iterator[str]:
    marker = _BULLET if _BULLET.match(lines[start]) else _NUMBERED
    tag = "ul" if marker is _BULLET else "ol"
    items: list[str] = []
    end = start
    while end < len(lines) and lines[end].strip():
        if match := marker.match(lines[end]):
            items.append(match.group(1))
        elif _starts_block(lines[end]):
            break
        else:  # a continuation line of the item above
            items[-1] += "\n" + lines[end].strip()
        end += 1
    body = "".join(f"<li>{inline(item)}</li>" for item in items)
    yield f"<{tag}>{body}</{tag}>"
    return end


def _paragraph(lines: list[str], start: int) -> Iterator[str]:
    end = start + 1
    while end < len(lines) and lines[end].strip() and not _starts_block(lines[end]):
        end += 1
    text = "\n".join(line.strip() for line in lines[start:end])
    yield f"<p>{inline(text)}</p>"
    return end


def _starts_block(line: str) -> bool:
    return any(pattern.match(line) for pattern in (_HEADING, _BULLET, _NUMBERED, _QUOTE, _FENCE))


def inline(text: str) -> str:
    """Inline Markdown of one block, escaped."""
    saved: list[str] = []

    def keep(fragment: str) -> str:
        saved.append(fragment)
        return _TOKEN.format(len(saved) - 1)

    def restore(fragment: str) -> str:
        return _TOKEN_RE.sub(lambda m: restore(saved[int(m.group(1))]), fragment)

    text = _CODE_SPAN.sub(lambda m: keep(f"<code>{html.escape(m.group(1))}</code>"), text)
    text = _LINK.sub(lambda m: keep(_link(m.group(1), m.group(2))), text)
    return restore(_emphasis(html.escape(text)))


def _link(label: str, target: str) -> str:
    rendered_label = _emphasis(html.escape(label))
    if not (target.lower().startswith(_SAFE_SCHEMES) or (target.startswith("/") and not target.startswith("//"))):
        return html.escape(f"[{label}]({target})")
    return f'<a href="{html.escape(target, quote=True)}">{rendered_label}</a>'


def _emphasis(escaped: str) -> str:
    escaped = _STRONG.sub(lambda m: f"<strong>{m.group(1) or m.group(2)}</strong>", escaped)
    return _EMPHASIS.sub(lambda m: f"<em>{m.group(1) or m.group(2)}</em>", escaped)
