"""PDF documents rendered from Django templates with WeasyPrint, shared by every app.

A PDF template extends ``pdf/base.html`` (blocks ``title``, ``metadata``, ``content``);
the official-document layout lives in ``templates/pdf/_style.css``: A4, GB/T 9704
margins, page numbers "— 1 —" centred at the bottom, Simplified Chinese faces named
explicitly (with ``lang=zh`` alone fontconfig may pick the Japanese variant of Noto CJK).

Nothing is fetched from the network: fonts come from fontconfig and the URL fetcher
refuses every URL that is not ``file:`` or ``data:`` (WeasyPrint logs the refusal and
renders without the resource). Fonts are embedded as subsets; text stays extractable.

Same content, same bytes: WeasyPrint 70 writes no creation or modification date unless
the template has ``<meta name="dcterms.created">`` / ``"dcterms.modified"``, writes no
file identifier unless asked, and names font subsets by a hash of their content. A
template that wants dates in the PDF's metadata takes them from its own document (a
letter uses its ``letter_date``), never from the clock.

Rendering time of the one-page recommendation letter (pdf/recommendation_letter.html,
3 subset CJK fonts, 320 KB) on the development machine (2 CPUs, WeasyPrint 70,
libharfbuzz-subset0), measured with time.perf_counter: 0.22-0.30 s for the first render
in a fresh process (fontconfig and the CJK collections are loaded then; importing Django
and WeasyPrint takes another ~0.7 s), 0.13-0.18 s for every later render. Subsetting is
the bulk of it; without libharfbuzz-subset0 WeasyPrint falls back to fontTools, which the
Makefile notes at ~8 s per CJK page (not measured here).
"""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import urlsplit

from django.template.loader import render_to_string
from weasyprint import HTML, URLFetcher

logger = logging.getLogger(__name__)

LOCAL_SCHEMES = frozenset({"file", "data"})


class RefusedURL(ValueError):
    """A PDF asked for a resource that is not local."""


class LocalURLFetcher(URLFetcher):
    """Fetches ``file:`` and ``data:`` URLs only: a PDF never calls out of the machine."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols=sorted(LOCAL_SCHEMES), allow_redirects=False)

    def fetch(self, url, headers=None):
        if urlsplit(url).scheme.lower() not in LOCAL_SCHEMES:
            logger.warning("PDF rendering refused to fetch %s: only file: and data: URLs are allowed", url)
            raise RefusedURL(f"not a local URL: {url}")
        return super().fetch(url, headers)


def render_pdf(template_name: str, context: dict, *, base_url: str | Path | None = None) -> bytes:
    """Render ``template_name`` with ``context`` to PDF bytes.

    ``base_url`` resolves relative URLs in the template (a folder such as the static
    files directory); without it, relative URLs are ignored.
    """
    html = render_to_string(template_name, context)
    document = HTML(string=html, base_url=str(base_url) if base_url else None, url_fetcher=LocalURLFetcher())
    return document.write_pdf()


def paragraphs(text: str) -> list[str]:
    """The paragraphs of text typed in a form: one per non-empty line (each gets its own first-line indent)."""
    return [line.strip() for line in text.splitlines() if line.strip()]
