"""What the program published about each application: the one selector the public results page, the city page,
the REST API and the reports read (DESIGN.md §3 "Effects of a decision on Designation").

A published line is derived from the decision and the effect it had on the title (``Decision.effect``, written by
``reviews.services.decisions``), never guessed from the order of decisions:

- approved → the title and its term; passed → the new term;
- failed the first time → rectification with its deadline; failed again → revoked, with the ban's end (S1 三(三)3);
- no longer meeting 《办法》第十八条 → 取消示范城市资格 (S1 三(二)1);
- disqualified for fraud → 取消资格 and 通报批评 of the city and province bureaus (S1 五(二));
- rejected, vetoed, not recommended, withdrawn, or an evaluation never submitted → not on the list.

A later event supersedes the line it contradicts and is shown with its date: a fraud finding against the
application, or the revocation of the title the decision granted or kept.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cities.enums import DesignationStatus
from cities.models import City, Designation
from evaluations.enums import ApplicationState
from evaluations.models import Application
from reviews.enums import DecisionEffect, Outcome
from reviews.models import Decision

LABELS = {
    "approved": _("Approved"),
    "renewed": _("Passed re-review"),
    "rectification": _("Failed re-review: rectification within one year"),
    "revoked": _("Failed the second re-review: title revoked"),
    "title_revoked": _("Title revoked"),
    "cancelled": _("Demonstration status cancelled"),
    "disqualified": _("Disqualified (fraud); publicly criticised"),
}
EFFECT_CODES = {
    DecisionEffect.GRANTED: "approved",
    DecisionEffect.RENEWED: "renewed",
    DecisionEffect.RECTIFICATION: "rectification",
    DecisionEffect.REVOKED: "revoked",
    DecisionEffect.CANCELLED: "cancelled",
}
# Effects that leave a title in force, which a later revocation contradicts.
KEEPING_EFFECTS = frozenset({DecisionEffect.GRANTED, DecisionEffect.RENEWED, DecisionEffect.RECTIFICATION})


@dataclass(frozen=True)
class Change:
    """A later event that supersedes a published line."""

    code: str
    on: dt.date
    ban_until: dt.date | None = None

    @property
    def label(self) -> str:
        return str(LABELS[self.code])


@dataclass(frozen=True)
class PublishedOutcome:
    application: Application
    decision: Decision | None
    code: str
    designation: Designation | None
    change: Change | None = None

    @property
    def city(self) -> City:
        return self.application.city

    @property
    def label(self) -> str:
        """The line as decided; ``current_label`` is what holds now."""
        base = str(LABELS[self.code])
        if self.decision is not None and self.decision.outcome == Outcome.NOT_SUBMITTED:
            return f"{Outcome.NOT_SUBMITTED.label}：{base}"
        return base

    @property
    def current_code(self) -> str:
        return self.change.code if self.change else self.code

    @property
    def current_label(self) -> str:
        return self.change.label if self.change else self.label

    @property
    def decided_on(self) -> dt.date | None:
        return self.decision.decided_on if self.decision else None

    @property
    def document_number(self) -> str:
        return self.decision.document_number if self.decision else ""

    @property
    def rectification_deadline(self) -> dt.date | None:
        if self.code == "rectification" and self.designation is not None:
            return self.designation.rectification_deadline
        return None

    @property
    def ban_until(self) -> dt.date | None:
        if self.change is not None:
            return self.change.ban_until
        return self.designation.ban_until if self.code == "revoked" and self.designation else None

    @property
    def term(self) -> tuple[dt.date, dt.date] | None:
        """The term the decision granted or renewed, while it stands."""
        if self.code in ("approved", "renewed") and self.change is None and self.designation is not None:
            return self.designation.term_start, self.designation.term_end
        return None



    @property
    def term_start(self) -> dt.date | None:
        return self.term[0] if self.term else None

    @property
    def term_end(self) -> dt.date | None:
        return self.term[1] if self.term else None


def _fraud_day(application: Application) -> dt.date:
    return timezone.localdate(application.fraud_finding.decided_at)


def outcome_of(application: Application) -> PublishedOutcome | None:
    """The published line of one application (loaded as ``published_lines`` loads it), or None when the
    application is not on the list."""
    decision = getattr(application, "decision", None)
    disqualified = application.state == ApplicationState.DISQUALIFIED
    fraud = Change("disqualified", _fraud_day(application)) if disqualified else None
    if decision is None or decision.effect == DecisionEffect.NONE:
        if disqualified:
            return PublishedOutcome(application, decision, "disqualified", None)
        return None
    designation = decision.designation
    change = fraud
    if change is None and decision.effect in KEEPING_EFFECTS and designation is not None \
            and designation.status == DesignationStatus.REVOKED and designation.ended_on is not None \
            and designation.ended_on >= decision.decided_on:
        change = Change("title_revoked", designation.ended_on, designation.ban_until)
    return PublishedOutcome(application, decision, EFFECT_CODES[decision.effect], designation, change)


# Applications that can be on a published list: decided with an effect on the title, or disqualified.
LISTED = (Q(decision__isnull=False) & ~Q(decision__effect=DecisionEffect.NONE)) | Q(state=ApplicationState.DISQUALIFIED)


def published_lines(applications) -> list[PublishedOutcome]:
    """The published lines of ``applications`` (a queryset, in the order the caller wants). One query."""
    listed = applications.filter(LISTED).select_related("cycle", "city__province", "decision__designation",
                                                        "fraud_finding")
    return [outcome for application in listed if (outcome := outcome_of(application)) is not None]


def published_outcomes(cycles) -> dict[int, list[PublishedOutcome]]:
    """Per cycle (the caller passes published ones): the cities on its list, by city code. One query."""
    rows: dict[int, list[PublishedOutcome]] = {cycle.pk: [] for cycle in cycles}
    for line in published_lines(Application.objects.filter(cycle__in=cycles).order_by("city__code")):
        rows[line.application.cycle_id].append(line)
    return rows


def published_outcomes_of_city(city: City) -> list[PublishedOutcome]:
    """Every published line about ``city``, newest cycle first. One query."""
    return published_lines(Application.objects.filter(city=city, cycle__results_published_at__isnull=False)
                           .order_by("-cycle__year", "cycle__kind"))
