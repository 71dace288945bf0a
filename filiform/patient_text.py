"""Text written for patients by a clinic (consent, aftercare) is Markdown, rendered without raw
HTML: tags typed into the text are shown as text, unsafe links are dropped.

The plain-text part of an e-mail gets the same text as plain text, not as Markdown source
(issue 17: "**Soreness is normal.**" and "## What helps" are noise in a mail reader that shows
the text part): the Markdown is rendered to HTML as above, then to text by inscriptis, which
lays out headings, paragraphs and lists as text. A link keeps its address after its words.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from inscriptis import get_text
from inscriptis.css_profiles import CSS_PROFILES
from inscriptis.model.config import ParserConfig
from markdown_it import MarkdownIt
from markdown_it.token import Token

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False})
_PLAIN_LAYOUT = ParserConfig(css=CSS_PROFILES["strict"])


def patient_text_html(text: str) -> SafeString:
    return mark_safe(_markdown.render(text))  # noqa: S308  (html disabled: output is escaped)


def _link_open(renderer: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    # an autolink (<https://…>) already shows its address as its words
    env.setdefault("links", []).append("" if token.markup == "autolink" else token.attrGet("href"))
    return ""


def _link_close(renderer: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    href = env["links"].pop() if env.get("links") else ""
    return f" ({escape(href)})" if href else ""


_for_text = MarkdownIt("commonmark", {"html": False, "linkify": False})
_for_text.add_render_rule("link_open", _link_open)
_for_text.add_render_rule("link_close", _link_close)


def patient_text_plain(text: str) -> str:
    """The Markdown ``text`` as plain text, for the text part of an e-mail."""
    if not text.strip():
        return ""
    return str(get_text(_for_text.render(text, {}), _PLAIN_LAYOUT)).strip("\n") + "\n"
