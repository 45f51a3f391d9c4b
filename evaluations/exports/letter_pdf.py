"""The province's recommendation letter (推荐函) as a PDF."""

from __future__ import annotations

from evaluations.enums import CycleKind
from evaluations.models import RecommendationLetter
from ipcity.dates import official_date
from ipcity.pdf import paragraphs, render_pdf


def recommendation_letter_pdf(letter: RecommendationLetter) -> bytes:
    """The letter of ``letter.application``'s province, rendered from ``pdf/recommendation_letter.html``.

    Pure: reads through the letter's relations and writes nothing. The same letter gives
    the same bytes (the PDF's dates are the letter's own date).
    """
    application = letter.application
    city = application.city
    context = {
        "letter": letter,
        "application": application,
        "cycle": application.cycle,
        "city": city,
        "province": city.province,
        "letter_date": official_date(letter.letter_date),
        "conclusion_paragraphs": paragraphs(letter.authenticity_conclusion),
        "opinion_paragraphs": paragraphs(letter.opinion),
        "CycleKind": CycleKind,
    }
    return render_pdf("pdf/recommendation_letter.html", context)
