"""Inline Markdown in report text (methods, findings, notes, limitations) as safe HTML.

Analyses and configurations write ``code``, *emphasis* and links in their
sentences; shown raw, the backticks read as noise. markdown-it-py (CommonMark,
maintained) renders them, with raw HTML switched off so text from a
configuration file can never inject markup into the page.
"""

from __future__ import annotations

from functools import lru_cache

from markdown_it import MarkdownIt
from markupsafe import Markup


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # "commonmark" allows raw HTML by default; the report never passes it through.
    return MarkdownIt("commonmark", {"html": False, "typographer": False})


def markdown_block(text: str) -> Markup:
    """Paragraphs (split on blank lines), lists and emphasis as HTML; "" for blank text."""
    if not text or not text.strip():
        return Markup("")
    return Markup(_parser().render(text.strip()).strip())


def markdown_inline(text: str) -> Markup:
    """One line of inline Markdown (no surrounding paragraph), for list items and captions."""
    if not text:
        return Markup("")
    return Markup(_parser().renderInline(" ".join(str(text).split())))
