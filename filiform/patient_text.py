"""Text written for patients by a clinic (consent, aftercare) is Markdown, rendered without raw
HTML: tags typed into the text are shown as text, unsafe links are dropped."""

from __future__ import annotations

from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False})


def patient_text_html(text: str) -> SafeString:
    return mark_safe(_markdown.render(text))  # noqa: S308  (html disabled: output is escaped)
