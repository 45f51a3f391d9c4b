"""What the review app adds to other apps' pages."""

from __future__ import annotations

from reviews.enums import ReportKind


def application_documents(request, application) -> dict | None:
    """The report buttons on the application page (each shown only to those who may have it)."""
    return {"template": "reviews/_application_documents.html", "application": application,
            "kinds": [ReportKind.APPLICATION_SUMMARY_PDF, ReportKind.DOSSIER_ZIP]}
