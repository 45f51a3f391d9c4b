"""Reports made in the background: request one, watch its progress, download it."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from ipcity.downloads import private_file_response
from reviews.enums import FileStatus, ReportKind
from reviews.models import GeneratedFile
from reviews.services import leases
from reviews.services.reports import (
    OUTPUTS,
    is_available,
    report_targets_visible_to,
    request_report,
    visible_target,
)

logger = logging.getLogger(__name__)

# Bootstrap width utilities: the bar is drawn without an inline style (the CSP forbids them).
BAR_WIDTHS = ((100, "w-100"), (75, "w-75"), (50, "w-50"), (25, "w-25"))


def _back(request) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return "home"


def _requested(request, kind: str, target):
    """Request the report of ``target``; on to its progress page, or back with the reason it cannot be made."""
    try:
        generated = request_report(kind, target, by=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(_back(request))
    return redirect("report_status", pk=generated.pk)


@login_required
@require_POST
def report_request(request, kind: str, pk: int):
    if kind not in ReportKind.values:
        raise Http404
    return _requested(request, kind, get_object_or_404(report_targets_visible_to(request.user, kind), pk=pk))


@login_required
@require_POST
def review_opinion_request(request, pk: int):
    """The opinion form (专家评审意见表) of one review. ``pk`` is the assignment's id, as in the scoring page's
    URL (``reviews/<pk>/score/``): the expert's own review, or any review for national staff; others get a 404."""
    review = get_object_or_404(report_targets_visible_to(request.user, ReportKind.REVIEW_PDF), assignment_id=pk)
    return _requested(request, ReportKind.REVIEW_PDF, review)


def visible_file(request, pk: int) -> tuple[GeneratedFile, object]:
    """The row and its object, if the user may have this report now; anything else is a 404."""
    generated = get_object_or_404(GeneratedFile, pk=pk)
    target = visible_target(request.user, generated)
    if target is None:
        raise Http404
    return generated, target


def progress_context(generated: GeneratedFile, target) -> dict:
    """What the progress element shows. The bar moves only while a live task holds the row; a row left by a
    worker that died reads as interrupted (the sweeper queues it again) and is still watched, more slowly."""
    available = is_available(generated)
    working = leases.is_held(generated)
    waiting = leases.is_waiting(generated)
    unfinished = generated.status in (FileStatus.PENDING, FileStatus.RUNNING)
    interrupted = unfinished and not working and not waiting
    return {
        "file": generated,
        "target": target,
        "kind": ReportKind(generated.kind),
        "available": available,
        "working": working,
        "waiting": waiting,
        "interrupted": interrupted,
        "polling": unfinished,
        "poll_every": "5s" if interrupted else "1s",
        "failed": generated.status == FileStatus.FAILED,
        "expired": generated.status == FileStatus.READY and not available,
        # expired, failed, or abandoned by a worker that died
        "can_regenerate": not available and not working and not waiting,
        "bar_width": next((css for floor, css in BAR_WIDTHS if generated.progress >= floor), ""),
    }


@login_required
@require_GET
def report_status(request, pk: int):
    generated, target = visible_file(request, pk)
    return render(request, "reviews/generatedfile_detail.html", progress_context(generated, target))


@login_required
@require_GET
def report_progress(request, pk: int):
    """The progress partial polled by htmx; returned without its trigger once there is nothing to wait for.

    Polled every second, so it is rendered without the site's context processors (the navigation and the
    inbox count are not part of it): a constant, small number of queries."""
    generated, target = visible_file(request, pk)
    context = {**progress_context(generated, target), "user": request.user, "csrf_token": get_token(request)}
    return HttpResponse(render_to_string("reviews/_report_progress.html", context))


@login_required
@require_GET
def report_download(request, pk: int):
    generated, _target = visible_file(request, pk)
    if not is_available(generated):
        raise Http404
    return report_response(generated, request.user)


def report_response(generated: GeneratedFile, user):
    """A ready report as an attachment (the page and the API)."""
    return private_file_response(
        generated.file, filename=generated.filename or generated.file.name.rsplit("/", 1)[-1],
        content_type=OUTPUTS[generated.kind].content_type,
        obj=generated, sha256=generated.sha256, by=user)


urlpatterns = [
    path("reports/request/<str:kind>/<int:pk>/", report_request, name="report_request"),
    path("reviews/<int:pk>/opinion-form/", review_opinion_request, name="review_opinion_request"),
    path("reports/<int:pk>/", report_status, name="report_status"),
    path("reports/<int:pk>/progress/", report_progress, name="report_progress"),
    path("reports/<int:pk>/download/", report_download, name="report_download"),
]
