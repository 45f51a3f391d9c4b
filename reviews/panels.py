"""What the review app adds to other apps' pages."""

from __future__ import annotations

from reviews.enums import ReportKind
from reviews.outcomes import published_outcomes_of_city


def application_documents(request, application) -> dict | None:
    """The report buttons on the application page (each shown only to those who may have it)."""
    return {"template": "reviews/_application_documents.html", "application": application,
            "kinds": [ReportKind.APPLICATION_SUMMARY_PDF, ReportKind.DOSSIER_ZIP]}


def city_outcomes(request, city) -> dict:
    """The published outcomes of the city's applications on the city page (the same lines as the public page)."""
    return {"template": "reviews/_city_outcomes.html", "outcomes": published_outcomes_of_city(city)}
