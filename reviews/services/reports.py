"""Reports and PDFs made in the background (DESIGN.md §4 Reports, STYLE.md "Background work").

``request_report(kind, obj, by=…)`` checks the permission and returns the GeneratedFile row whose ``key``
is ``f"{kind}:{obj.pk}:{fingerprint}"``; the fingerprint hashes what the output depends on, so asking
again with unchanged inputs returns the same row (a ready file is reused, a running one is waited for),
and changed inputs make a new row. Work is queued after commit; ``generate_file`` (called by the task)
renders, stores the file under generated/<kind>/<key>/ and marks the row ready for seven days. The
folder belongs to the row: every run empties it first, so a second run, or a run after a crash that left
a half-written file, still leaves exactly one file.

Who may have what:
- the cycle's scoring report (xlsx, PDF) and an application's dossier: national staff;
- an expert's opinion form: national staff and the expert who wrote it;
- the summary of an application's reviews: national staff, and once the cycle's results are published,
  the city's officers and its province's staff.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from dataclasses import dataclass
from functools import partial

import rules
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cities import audit
from cities.rules import is_national_admin
from evaluations.exports.application_pdfs import basic_info_of
from evaluations.models import Application, Cycle, IndicatorValue, MaterialFile, RecommendationLetter
from evaluations.rules import is_officer_of_application_city, is_province_staff_of_application
from evaluations.selectors import applications_visible_to, cycles_visible_to
from ipcity.celery import TRANSIENT_ERRORS
from ipcity.downloads import XLSX
from reviews.enums import FileStatus, ReportKind
from reviews.exports.cycle_report import (
    cycle_report_pdf,
    cycle_report_workbook,
    objective_total_of,
    objective_totals_for,
    ranked_applications,
)
from reviews.exports.dossier import application_dossier_zip, timeline
from reviews.exports.review_pdf import application_summary_pdf, objective_points_by_criterion, review_opinion_pdf
from reviews.models import Assignment, Criterion, Decision, GeneratedFile, Review, ReviewerProfile, Rubric, Score
from reviews.models.decisions import generated_upload_to
from reviews.selectors import reviews_visible_to
from reviews.services import leases

log = logging.getLogger(__name__)

KEEP_FOR = dt.timedelta(days=7)
# Progress shown while a file is made; the page draws the bar in quarters.
STARTED, LOADED, RENDERED, DONE = 25, 50, 75, 100

CYCLE_KINDS = frozenset({ReportKind.CYCLE_XLSX, ReportKind.CYCLE_PDF})
APPLICATION_KINDS = frozenset({ReportKind.APPLICATION_SUMMARY_PDF, ReportKind.DOSSIER_ZIP})

audit.register_actions({"report.request": gettext_lazy("Requested a report")})


# --- Permissions (one name per kind: "reviews.report_<kind>") ----------------------------------------


@rules.predicate
def is_own_review(user, review) -> bool:
    return review is not None and getattr(user, "pk", None) is not None and review.assignment.reviewer_id == user.pk


@rules.predicate
def results_are_published(user, application) -> bool:
    return application is not None and application.cycle.results_published


PERMISSIONS = {
    ReportKind.CYCLE_XLSX: is_national_admin,
    ReportKind.CYCLE_PDF: is_national_admin,
    ReportKind.REVIEW_PDF: is_national_admin | is_own_review,
    ReportKind.APPLICATION_SUMMARY_PDF: is_national_admin | (
        results_are_published & (is_officer_of_application_city | is_province_staff_of_application)),
    ReportKind.DOSSIER_ZIP: is_national_admin,
}
for _kind, _predicate in PERMISSIONS.items():
    if not rules.perm_exists(f"reviews.report_{_kind}"):
        rules.add_perm(f"reviews.report_{_kind}", _predicate)


def may_get_report(user, kind: str, obj) -> bool:
    return user is not None and user.has_perm(f"reviews.report_{kind}", obj)


# --- Reads ---------------------------------------------------------------------------------------------


def report_targets_visible_to(user, kind: str) -> QuerySet:
    """What a report of ``kind`` can be made of, within the user's scope (out of scope: 404)."""
    if kind in CYCLE_KINDS:
        return cycles_visible_to(user).select_related("rubric")
    if kind == ReportKind.REVIEW_PDF:
        return reviews_visible_to(user).select_related("assignment__application__cycle",
                                                       "assignment__application__city__province")
    return applications_visible_to(user)


def visible_target(user, generated: GeneratedFile):
    """The object of ``generated`` if ``user`` may have this report now, else None (the caller's 404)."""
    target = report_targets_visible_to(user, generated.kind).filter(pk=generated.object_id).first()
    return target if target is not None and may_get_report(user, generated.kind, target) else None


def load_target(kind: str, object_id: int):
    """The object of a report, whoever asks (the task's read); None when it is gone."""
    if kind in CYCLE_KINDS:
        return Cycle.objects.select_related("rubric").filter(pk=object_id).first()
    if kind == ReportKind.REVIEW_PDF:
        return (Review.objects.select_related("assignment__reviewer", "assignment__application__cycle",
                                              "assignment__application__city__province")
                .filter(pk=object_id).first())
    return Application.objects.select_related("cycle", "city__province").filter(pk=object_id).first()


def application_of(kind: str, obj) -> Application | None:
    if kind == ReportKind.REVIEW_PDF:
        return obj.assignment.application
    return obj if kind in APPLICATION_KINDS else None


def is_available(generated: GeneratedFile, *, now: dt.datetime | None = None) -> bool:
    """Ready, stored and not expired: it can be downloaded."""
    now = now or timezone.now()
    return (generated.status == FileStatus.READY and bool(generated.file.name)
            and generated.expires_at is not None and generated.expires_at > now)


def is_under_way(generated: GeneratedFile, *, now: dt.datetime | None = None) -> bool:
    """Something is behind it: a live task is making it, or it waits in the queue (leases.py)."""
    return leases.is_held(generated, now=now) or leases.is_waiting(generated, now=now)


# --- What the output depends on --------------------------------------------------------------------


def _rubric_inputs(cycle_id: int) -> list:
    rubric = Rubric.objects.filter(cycle_id=cycle_id).values_list(
        "aggregate", "reject_below", "approve_above", "outlier_threshold").first()
    criteria = list(Criterion.objects.filter(rubric__cycle_id=cycle_id).order_by("position").values_list(
        "pk", "parent_id", "level", "code", "name", "max_points", "kind"))
    return [rubric, criteria]


def _review_inputs(applications) -> list:
    """Submitted reviews only: drafts appear in no report (a reopened review drops out until resubmitted)."""
    reviews = Review.objects.filter(assignment__application__in=applications, submitted_at__isnull=False)
    scores = Score.objects.filter(review__in=reviews)
    return [
        list(reviews.order_by("pk").values_list("pk", "updated_at", "submitted_at")),
        list(scores.aggregate(n=Count("pk"), total=Sum("points")).values()),
        list(Assignment.objects.filter(application__in=applications).order_by("pk").values_list(
            "pk", "reviewer_id", "status")),
    ]


def _decision_inputs(applications) -> list:
    return list(Decision.objects.filter(application__in=applications).order_by("application_id").values_list(
        "application_id", "outcome", "decided_at"))


def _basic_info_inputs(application) -> list:
    year, template = basic_info_of(application)
    if template is None:
        return []
    return [template.pk, list(IndicatorValue.objects.filter(
        city=application.city, year=year, indicator__template=template).order_by("indicator_id").values_list(
        "indicator_id", "number", "text", "updated_at"))]


def _inputs(kind: str, obj) -> list:
    if kind in CYCLE_KINDS:
        applications = list(Application.objects.filter(cycle=obj).select_related("city").order_by("pk"))
        return [obj.title, obj.document_number, _rubric_inputs(obj.pk),
                [(a.pk, a.state, a.updated_at, a.city.full_name) for a in applications],
                _review_inputs(applications), _decision_inputs(applications),
                sorted(objective_totals_for(obj, ranked_applications(obj)).items())]
    if kind == ReportKind.REVIEW_PDF:
        application = obj.assignment.application
        reviewer = obj.assignment.reviewer
        return [obj.updated_at, obj.submitted_at, obj.opinion, obj.recommendation, application.cycle.title,
                application.cycle.document_number, application.city.full_name, application.city.province.name,
                str(reviewer), _rubric_inputs(application.cycle_id),
                list(ReviewerProfile.objects.filter(user=reviewer).values_list("employer", flat=True)),
                list(obj.scores.order_by("criterion_id").values_list("criterion_id", "points", "comment")),
                sorted(objective_points_by_criterion(application).items())]
    application = obj
    cycle = application.cycle
    inputs = [cycle.title, cycle.document_number, application.city.full_name, application.city.province.name,
              _rubric_inputs(cycle.pk), _review_inputs([application]),
              objective_total_of(application)]
    if kind == ReportKind.DOSSIER_ZIP:
        inputs += [
            application.state, application.updated_at, _decision_inputs([application]),
            list(MaterialFile.objects.filter(material__application=application).order_by("pk")
                 .values_list("pk", "sha256")),
            list(RecommendationLetter.objects.filter(application=application).values_list("written_at", flat=True)),
            [entry.pk for entry in timeline(application, list(application.materials.all()))],
            application.submitted_at,
            list(application.sections.order_by("document", "position").values_list("number", "title", "body")),
            _basic_info_inputs(application),
        ]
    return inputs


def inputs_fingerprint(kind: str, obj) -> str:
    """A hash of what the report of ``obj`` shows: equal inputs, equal fingerprint."""
    encoded = json.dumps(_inputs(kind, obj), default=str, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(encoded.encode()).hexdigest()[:24]


def report_key(kind: str, obj) -> str:
    return f"{kind}:{obj.pk}:{inputs_fingerprint(kind, obj)}"


# --- Requesting ------------------------------------------------------------------------------------


def check_report_possible(kind: str, obj) -> None:
    if kind in CYCLE_KINDS and not Rubric.objects.filter(cycle=obj).exists():
        raise ValidationError(_("This cycle has no rubric yet, so there is nothing to report."), code="no_rubric")
    if kind == ReportKind.REVIEW_PDF and not obj.is_submitted:
        raise ValidationError(_("The opinion form is available once the review is submitted."), code="draft")
    if kind == ReportKind.APPLICATION_SUMMARY_PDF and not Review.objects.filter(
            assignment__application=obj, submitted_at__isnull=False).exists():
        raise ValidationError(_("No review of this application has been submitted yet."), code="no_reviews")


def request_report(kind: str, obj, *, by) -> GeneratedFile:
    """The GeneratedFile of ``kind`` for ``obj`` as it is now; queues its generation unless the file is
    ready (and not expired) or already being made."""
    kind = ReportKind(kind)
    if not may_get_report(by, kind, obj):
        raise PermissionDenied(_("You may not obtain this report."))
    check_report_possible(kind, obj)
    key = report_key(kind, obj)
    with transaction.atomic():
        generated, created = GeneratedFile.objects.select_for_update().get_or_create(
            key=key, defaults={"kind": kind, "object_id": obj.pk, "requested_by": by})
        if not created and (is_available(generated) or is_under_way(generated)):
            return generated
        if not created:  # failed, expired or abandoned: make it again
            generated.status, generated.progress, generated.error = FileStatus.PENDING, 0, ""
            generated.requested_by, generated.attempts, generated.task_id, generated.heartbeat_at = by, 0, "", None
            generated.save(update_fields=["status", "progress", "error", "requested_by", "attempts", "task_id",
                                          "heartbeat_at", "updated_at"])
        application = application_of(kind, obj)
        audit.record(actor=by, action="report.request", obj=generated,
                     city=application.city if application is not None else None,
                     data={"kind": kind.value, "object_id": obj.pk, "key": key})
        transaction.on_commit(partial(queue_generation, generated.pk))
    return generated


def queue_generation(file_id: int) -> None:
    from reviews.tasks import generate_report

    generate_report.delay(file_id=file_id)


# --- Generating (the task's one call) --------------------------------------------------------------


@dataclass(frozen=True)
class Output:
    render: object  # obj -> bytes
    extension: str
    content_type: str


OUTPUTS = {
    ReportKind.CYCLE_XLSX: Output(cycle_report_workbook, "xlsx", XLSX),
    ReportKind.CYCLE_PDF: Output(cycle_report_pdf, "pdf", "application/pdf"),
    ReportKind.REVIEW_PDF: Output(review_opinion_pdf, "pdf", "application/pdf"),
    ReportKind.APPLICATION_SUMMARY_PDF: Output(application_summary_pdf, "pdf", "application/pdf"),
    ReportKind.DOSSIER_ZIP: Output(application_dossier_zip, "zip", "application/zip"),
}


def download_name(kind: str, obj) -> str:
    """The name the user's browser saves the file under (the stored name is the server's own)."""
    extension = OUTPUTS[kind].extension
    if kind in CYCLE_KINDS:
        # The standard title names the year ("2026年度示范城市评定"); a title of one's own may not.
        title = obj.title if str(obj.year) in obj.title else f"{obj.year}-{obj.title}"
        return f"评审结果汇总表-{title}.{extension}"[:200]
    if kind == ReportKind.REVIEW_PDF:
        return f"专家评审意见表-{obj.assignment.application.city.full_name}-{obj.assignment.reviewer}.pdf"
    if kind == ReportKind.APPLICATION_SUMMARY_PDF:
        return f"专家评审意见汇总表-{obj.city.full_name}-{obj.cycle.year}.pdf"
    return f"申报档案-{obj.city.full_name}-{obj.cycle.year}.zip"


def folder_of(generated: GeneratedFile) -> str:
    return generated_upload_to(generated, "-").rsplit("/", 1)[0]


def clear_stored(generated: GeneratedFile) -> int:
    """Delete every stored file of the row (its own folder and the file it names); the number deleted."""
    storage = generated.file.storage
    names = set()
    try:
        names = {f"{folder_of(generated)}/{name}" for name in storage.listdir(folder_of(generated))[1]}
    except FileNotFoundError:
        pass
    if generated.file.name:
        names.add(generated.file.name)
    for name in sorted(names):
        storage.delete(name)
    return len(names)


def _progress(generated: GeneratedFile, **fields) -> None:
    """Write progress with a single UPDATE: in the worker it commits at once and the polling page sees it."""
    fields["updated_at"] = timezone.now()
    GeneratedFile.objects.filter(pk=generated.pk).update(**fields)
    for name, value in fields.items():
        setattr(generated, name, value)


def take_and_generate(file_id: int, *, task_id: str) -> tuple[leases.Claim, GeneratedFile | None]:
    """The task's one call: take the row (unless it is finished or a live task holds it) and make its file."""
    claim, generated = leases.claim(file_id, task_id=task_id, starting_progress=STARTED)
    if claim is leases.Claim.TAKEN:
        generated = generate_file(generated)
    return claim, generated


def generate_file(generated: GeneratedFile) -> GeneratedFile:
    """Render the taken row's report and store it as the row's only file; FAILED with the error on failure.

    A transient error gives the row back and propagates, so that the task is retried."""
    kind = ReportKind(generated.kind)
    try:
        with leases.heartbeat(generated):
            target = load_target(kind, generated.object_id)
            if target is None:
                raise LookupError(f"the object of {kind.value} {generated.object_id} no longer exists")
            _progress(generated, progress=LOADED)
            content = OUTPUTS[kind].render(target)
            _progress(generated, progress=RENDERED)
        with transaction.atomic():
            locked = GeneratedFile.objects.select_for_update().get(pk=generated.pk)
            clear_stored(locked)
            locked.file.save(f"{kind.value}-{generated.object_id}.{OUTPUTS[kind].extension}", ContentFile(content),
                             save=False)
            locked.filename = download_name(kind, target)
            locked.sha256 = hashlib.sha256(content).hexdigest()
            locked.status, locked.progress, locked.error = FileStatus.READY, DONE, ""
            locked.heartbeat_at, locked.expires_at = None, timezone.now() + KEEP_FOR
            locked.save(update_fields=["file", "filename", "sha256", "status", "progress", "error", "heartbeat_at",
                                       "expires_at", "updated_at"])
    except TRANSIENT_ERRORS:
        log.warning("generating %s (file %s) met a transient error: it will be retried", generated.key,
                    generated.pk, exc_info=True)
        leases.release(generated)
        raise
    except Exception as exc:
        log.exception("generating %s (file %s) failed", generated.key, generated.pk)
        try:
            clear_stored(generated)  # a failed row keeps no file, not even one of an earlier run
        except OSError:
            log.exception("could not delete the stored files of %s", generated.key)
        _progress(generated, status=FileStatus.FAILED, file="", heartbeat_at=None,
                  error=f"{type(exc).__name__}: {exc}"[:2000])
        return generated
    log.info("generated %s (file %s) as %s (%s bytes, sha256 %s)", locked.key, locked.pk, locked.file.name,
             len(content), locked.sha256[:12])
    return locked


def recover_stalled_files(*, now: dt.datetime | None = None) -> int:
    """Queue again the rows whose worker died or whose message was lost (the sweeper's one call)."""
    return leases.recover_stalled(queue_generation, now=now)


def expire_generated_files(*, now: dt.datetime | None = None) -> int:
    """Delete the stored files of rows whose time is up (the rows stay, so the page can offer to make them
    again); the number of rows expired."""
    now = now or timezone.now()
    expired = 0
    for generated in GeneratedFile.objects.filter(expires_at__lte=now).exclude(file=""):
        clear_stored(generated)
        GeneratedFile.objects.filter(pk=generated.pk).update(file="", updated_at=now)
        expired += 1
    return expired
