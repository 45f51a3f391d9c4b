"""What a city wrote online in its application, as PDF: the work summary or work plan (工作总结 / 工作方案,
filled section by section in the browser) and the basic-information table (基本情况表, S1 附件3).

The dossier (reviews/exports/dossier.py) files them beside the uploaded materials: on a re-review the online
work summary is the core material. The printed words are the official wording, in Chinese whatever the interface
language. Pure: reads, writes nothing; the dates in the PDFs are the application's own (its submission), so the same
application gives the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from evaluations.basic_info import current_template, values_by_indicator
from evaluations.enums import AnswerType, NarrativeDocument
from evaluations.exports.basic_info_xlsx import FORM_TITLE, HEADINGS, cell_number, remark
from evaluations.models import Application, IndicatorTemplate, NarrativeSection
from ipcity.dates import official_date
from ipcity.pdf import paragraphs, render_pdf

# The official name of each online document (the title of the PDF and its file in the dossier).
DOCUMENT_TITLES = {
    NarrativeDocument.WORK_SUMMARY: "工作总结",
    NarrativeDocument.WORK_PLAN: "工作方案",
}


def _submitted_on(application: Application):
    return timezone.localdate(application.submitted_at) if application.submitted_at else None


def written_documents(application: Application) -> dict[str, list[NarrativeSection]]:
    """document → its sections, for each online document the city has written something in (in the order of
    NarrativeDocument). A document left empty (the city uploaded a file instead) is not there."""
    sections = list(application.sections.order_by("document", "position"))
    documents = {}
    for document in NarrativeDocument:
        of_document = [s for s in sections if s.document == document]
        if any(s.body.strip() for s in of_document):
            documents[document] = of_document
    return documents


def narrative_pdf(application: Application, document: str, sections: list[NarrativeSection]) -> bytes:
    """The work summary or work plan of ``application``: its sections in order, each heading with its text."""
    day = _submitted_on(application)
    return render_pdf("pdf/narrative.html", {
        "application": application,
        "cycle": application.cycle,
        "city": application.city,
        "document_title": DOCUMENT_TITLES[document],
        "sections": [{"heading": f"{s.number}、{s.title}" if s.number else s.title,
                      "paragraphs": paragraphs(s.body)} for s in sections],
        "submitted_date": official_date(day) if day else "",
        "metadata_date": day,
    })


def basic_info_of(application: Application) -> tuple[int, IndicatorTemplate | None]:
    """The year and the version of the table an application reports (the same as its page's)."""
    cycle = application.cycle
    return cycle.data_year, cycle.basic_info_template or current_template()


@dataclass(frozen=True)
class TableRow:
    number: str  # shown on the first row of a number only (a number with sub-items spans several rows)
    label: str
    unit: str
    value: str
    remark: str


def _value_text(indicator, value) -> str:
    if value is None:
        return ""
    if indicator.answer_type == AnswerType.NUMBER and value.number is not None:
        return str(cell_number(value.number))
    return value.text


def basic_info_pdf(application: Application, template: IndicatorTemplate) -> bytes:
    """The basic-information table of ``application``'s city for the cycle's data year, section by section, in the
    five columns of the printed form."""
    year = application.cycle.data_year
    values = values_by_indicator(application.city, year, template)
    sections: list[dict] = []
    previous_number = None
    for indicator in template.indicators.all():
        if not sections or sections[-1]["title"] != indicator.section:
            sections.append({"title": indicator.section, "rows": []})
            previous_number = None
        sections[-1]["rows"].append(TableRow(
            number=str(indicator.number) if indicator.number != previous_number else "",
            label=indicator.label, unit=indicator.unit, value=_value_text(indicator, values.get(indicator.pk)),
            remark=remark(indicator)))
        previous_number = indicator.number
    day = _submitted_on(application)
    return render_pdf("pdf/basic_info_table.html", {
        "application": application,
        "city": application.city,
        "form_title": FORM_TITLE,
        "headings": [heading.format(year=year) for heading in HEADINGS],
        "sections": sections,
        "submitted_date": official_date(day) if day else "",
        "metadata_date": day,
    })
