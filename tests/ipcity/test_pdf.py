"""ipcity.pdf: the shared PDF machinery (A4, page numbers, embedded Simplified Chinese fonts, no network)."""

from __future__ import annotations

import datetime as dt
import io
import logging
import socket
import subprocess

import pytest
from pypdf import PdfReader

from ipcity.dates import official_date
from ipcity.pdf import paragraphs, render_pdf

SAMPLE = """{% extends "pdf/base.html" %}
{% block title %}样张{% endblock %}
{% block content %}<h1 class="doc-title">关于开展知识产权工作的函</h1><p>国家知识产权局：</p><p>正文{{ word }}。</p>
<table><tr><th>城市</th><td>抚顺市</td></tr></table>{% endblock %}
"""
REMOTE = """{% extends "pdf/base.html" %}
{% block content %}<link rel="stylesheet" href="https://example.com/x.css"><p>远程样式表</p>{% endblock %}
"""
DATA_URL = """{% extends "pdf/base.html" %}
{% block content %}<link rel="stylesheet" href="data:text/css,p%7Bcolor%3Ared%7D"><p>内嵌样式表</p>{% endblock %}
"""


@pytest.fixture
def sample_templates(settings, tmp_path):
    """Templates of the tests, in a folder added to the project's template folders."""
    folder = tmp_path / "templates" / "pdftest"
    folder.mkdir(parents=True)
    for name, source in {"sample.html": SAMPLE, "remote.html": REMOTE, "data_url.html": DATA_URL}.items():
        (folder / name).write_text(source, encoding="utf-8")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], tmp_path / "templates"]}]
    return folder


@pytest.fixture
def no_network(monkeypatch):
    """Every attempt to resolve a name or open a socket, recorded and refused."""
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network access in a PDF test")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    return attempts


def pdftotext(pdf: bytes) -> str:
    """Text in content-stream order: poppler's default reading-order mode drops the half-width
    spaces between CJK glyphs ("— 1 —" comes out as "—1—"); -raw keeps them."""
    return subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode()


def pdffonts(pdf: bytes) -> list[tuple[str, str]]:
    """(name, emb) for each font pdffonts lists."""
    lines = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, check=True).stdout.decode().splitlines()
    # columns: name type encoding emb sub uni object ID; the type has spaces, so count emb from the right
    return [(line.split()[0], line.split()[-5]) for line in lines[2:]]


def embedded_font_files(pdf: bytes) -> set[str]:
    """The kinds of font program (/FontFile, /FontFile2, /FontFile3) in every font's descriptor."""
    kinds = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", [font]):
                descriptor = descendant.get_object()["/FontDescriptor"].get_object()
                found = {key[1:] for key in ("/FontFile", "/FontFile2", "/FontFile3") if key in descriptor}
                kinds |= found or {"none"}
    return kinds


def test_render_pdf_sample_is_a4_with_page_number_and_text(sample_templates):
    pdf = render_pdf("pdftest/sample.html", {"word": "内容"})

    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert float(box.width) == pytest.approx(595.28, abs=1)
    assert float(box.height) == pytest.approx(841.89, abs=1)
    for text in (reader.pages[0].extract_text(), pdftotext(pdf)):
        assert "关于开展知识产权工作的函" in text
        assert "正文内容。" in text
        assert "— 1 —" in text


def test_render_pdf_sample_embeds_simplified_chinese_fonts_only(sample_templates):
    pdf = render_pdf("pdftest/sample.html", {"word": "内容"})

    fonts = pdffonts(pdf)
    names = {name.split("+", 1)[-1] for name, _ in fonts}
    assert fonts and {emb for _, emb in fonts} == {"yes"}
    # Title (bold) and page number in Noto Serif CJK SC, the table in Noto Sans CJK SC, the body in 仿宋
    # where installed, else Noto Serif CJK SC: never the JP/TC/KR faces that lang=zh alone could select.
    assert {name for name in names if "FangSong" not in name} == {
        "Noto-Serif-CJK-SC-Bold", "Noto-Serif-CJK-SC", "Noto-Sans-CJK-SC-Bold", "Noto-Sans-CJK-SC",
    }
    assert embedded_font_files(pdf) == {"FontFile3"}


def test_render_pdf_same_input_gives_same_bytes(sample_templates):
    assert render_pdf("pdftest/sample.html", {"word": "内容"}) == render_pdf("pdftest/sample.html", {"word": "内容"})


def test_render_pdf_refuses_remote_url_and_still_renders(sample_templates, no_network, caplog):
    with caplog.at_level(logging.WARNING, logger="ipcity.pdf"):
        pdf = render_pdf("pdftest/remote.html", {})

    assert "远程样式表" in pdftotext(pdf)
    refusals = [record.getMessage() for record in caplog.records if record.name == "ipcity.pdf"]
    assert refusals == ["PDF rendering refused to fetch https://example.com/x.css: only file: and data: URLs are allowed"]
    assert no_network == []


def test_render_pdf_data_url_is_allowed(sample_templates, no_network, caplog):
    with caplog.at_level(logging.WARNING):
        pdf = render_pdf("pdftest/data_url.html", {})

    assert "内嵌样式表" in pdftotext(pdf)
    assert [record for record in caplog.records if record.name in ("ipcity.pdf", "weasyprint")] == []
    assert no_network == []


@pytest.mark.parametrize(("day", "expected"), [
    (dt.date(2026, 11, 21), "2026年11月21日"),
    (dt.date(2027, 1, 5), "2027年1月5日"),
])
def test_official_date_arabic_digits_without_leading_zeros(day, expected):
    assert official_date(day) == expected


def test_paragraphs_one_per_non_empty_line():
    assert paragraphs("第一段。\r\n\n  第二段。  \n") == ["第一段。", "第二段。"]
