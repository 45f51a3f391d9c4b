"""The reviewer's scoring page and national staff's reopening of a review.

Blindness: the page loads only the signed-in reviewer's own review; no other reviewer's scores, comments
or opinion are read here.

Both URLs take the id of the *assignment* (a review is one-to-one with its assignment), so
``reviews/<pk>/…`` means the same thing everywhere.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import NoReverseMatch, path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from evaluations.enums import ApplicationState, CycleKind, NarrativeDocument
from evaluations.forms import ReasonForm
from evaluations.models import MaterialFile
from ipcity.forms import StyledForm
from reviews.enums import AssignmentStatus, CriterionKind, Recommendation
from reviews.models import Criterion, Review
from reviews.objective import objective_scores
from reviews.selectors import assignments_of, reviews_visible_to
from reviews.services.scoring import open_review, reopen_review, save_scores, submit_review

ASSESSMENTS_TEMPLATE = "reviews/_assessments.html"
SUBMIT_CONFIRM = gettext_lazy("Submit the review? It is locked once submitted and only national staff can reopen it.")


class ReviewForm(StyledForm):
    """Input only: the points and comment of each subjective criterion, the opinion and the recommendation.
    Whether points fit the criterion's maximum is the service's decision (its message names the criterion)."""

    opinion = forms.CharField(label=gettext_lazy("Overall opinion"), required=False,
                              widget=forms.Textarea(attrs={"rows": 5}))
    recommendation = forms.ChoiceField(label=gettext_lazy("Recommendation"), choices=Recommendation.choices)

    def __init__(self, *args, scores, **kwargs):
        super().__init__(*args, **kwargs)
        for score in scores:
            criterion = score.criterion
            self.fields[f"points-{criterion.pk}"] = forms.DecimalField(
                label=gettext_lazy("Points"), required=False, max_digits=6, decimal_places=2,
                widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "max": str(score.max_points),
                                                "class": "form-control form-control-sm score-points",
                                                "data-max": str(score.max_points)}))
            self.fields[f"comment-{criterion.pk}"] = forms.CharField(
                label=gettext_lazy("Comment"), required=False,
                widget=forms.Textarea(attrs={"rows": 2, "class": "form-control form-control-sm"}))
        self.order_fields([name for name in self.fields if name not in ("opinion", "recommendation")])

    def scores(self) -> dict[int, tuple[Decimal | None, str]]:
        return {int(name.split("-", 1)[1]): (value, self.cleaned_data.get(f"comment-{name.split('-', 1)[1]}", ""))
                for name, value in self.cleaned_data.items() if name.startswith("points-")}


def _initial(review: Review, scores) -> dict:
    initial = {"opinion": review.opinion, "recommendation": review.recommendation}
    for score in scores:
        initial[f"points-{score.criterion_id}"] = score.points
        initial[f"comment-{score.criterion_id}"] = score.comment
    return initial


def _number(raw) -> str:
    """A stored number as typed: "3000.0000" → "3000", "12.5000" → "12.5"."""
    if raw is None:
        return ""
    try:
        return format(Decimal(str(raw)).normalize(), "f")
    except InvalidOperation:
        return str(raw)


# --- the left pane: the snapshot as scored -----------------------------------------------------


def _submitted(application, snapshot) -> dict:
    """What the application submitted, from the snapshot: values with their proof, sections, materials."""
    data = snapshot.data if snapshot is not None else {}
    files = {(m, v): (pk, sha) for pk, m, v, sha in MaterialFile.objects.filter(
        material__application=application).values_list("pk", "material_id", "version", "sha256")}
    materials = []
    by_id = {}
    for item in data.get("materials", []):
        pk, sha = files.get((item["id"], item["version"]), (None, ""))
        row = {**item, "file_pk": pk, "intact": pk is not None and sha == item["sha256"]}
        materials.append(row)
        by_id[item["id"]] = row
    values = []
    for key, entry in sorted(data.get("values", {}).items(), key=lambda kv: (int(kv[0].split("-")[0]), kv[0])):
        values.append({"key": key, "label": entry.get("label", key), "number": _number(entry.get("number")),
                       "text": entry.get("text", ""),
                       "proofs": [by_id.get(pk, {"id": pk, "title": _("Document %(id)s") % {"id": pk}})
                                  for pk in entry.get("proofs", [])]})
    documents = {}
    for section in data.get("sections", []):
        documents.setdefault(section["document"], []).append(section)
    labels = dict(NarrativeDocument.choices)
    return {
        "values": values,
        "materials": materials,
        "documents": [(labels.get(doc, doc), sections) for doc, sections in documents.items()],
        "theme": data.get("theme", ""),
        "enforcement_score": _number(data.get("enforcement_score")),
    }


def _assessments(application) -> tuple[list, str]:
    """The city's annual assessments over the term, for a re-review, once that part of the app exists."""
    if application.cycle.kind != CycleKind.RE_REVIEW:
        return [], ""
    try:
        from reviews.services.assessments import assessments_for
    except ImportError:
        return [], ""
    try:
        get_template(ASSESSMENTS_TEMPLATE)
    except TemplateDoesNotExist:
        return [], ""
    return list(assessments_for(application)), ASSESSMENTS_TEMPLATE


# --- the right pane: the criteria tree --------------------------------------------------------


def _tree(application, review: Review | None, scores, form: ReviewForm | None) -> list[dict]:
    """The rubric's criteria depth first, each with what the page shows for it."""
    criteria = list(Criterion.objects.filter(rubric__cycle=application.cycle).order_by("position"))
    children: dict[int | None, list[Criterion]] = {}
    for criterion in criteria:
        children.setdefault(criterion.parent_id, []).append(criterion)
    objective = {row.criterion.pk: row for row in objective_scores(application)} if criteria else {}
    by_criterion = {score.criterion_id: score for score in scores}
    rows = []

    def walk(parent_id, depth):
        for criterion in children.get(parent_id, []):
            row = {"criterion": criterion, "depth": depth, "is_group": criterion.pk in children}
            if not row["is_group"] and criterion.kind == CriterionKind.OBJECTIVE:
                computed = objective.get(criterion.pk)
                row["objective"] = computed
                row["value"] = _number(computed.value) if computed else ""
                row["missing"] = computed.missing if computed else ()
            elif not row["is_group"]:
                row["score"] = by_criterion.get(criterion.pk)
                if form is not None and row["score"] is not None:
                    row["points_field"] = form[f"points-{criterion.pk}"]
                    row["comment_field"] = form[f"comment-{criterion.pk}"]
            rows.append(row)
            walk(criterion.pk, depth + 1)

    walk(None, 0)
    return rows


def _assignments_url() -> str | None:
    try:
        return reverse("my_assignments")
    except NoReverseMatch:  # the assignments page is not installed yet
        return None


def _page(request, assignment, *, review, problem="", form=None):
    application = assignment.application
    scores = list(review.scores.select_related("criterion")) if review is not None else []
    editable = (review is not None and not review.is_submitted
                and application.state == ApplicationState.UNDER_REVIEW)
    if editable and form is None:
        form = ReviewForm(initial=_initial(review, scores), scores=scores)
    assessments, assessments_template = _assessments(application) if review is not None else ([], "")
    context = {
        "assignment": assignment, "application": application, "cycle": application.cycle, "review": review,
        "problem": problem, "assignments_url": _assignments_url(), "editable": editable,
        "form": form if editable else None, "submit_confirm": SUBMIT_CONFIRM,
        "rows": _tree(application, review, scores, form if editable else None) if review is not None else [],
        "total": sum((s.points for s in scores if s.points is not None), Decimal("0.00")),
        "maximum": sum((s.max_points for s in scores), Decimal("0.00")),
        "submitted": _submitted(application, review.snapshot) if review is not None else None,
        "assessments": assessments, "assessments_template": assessments_template,
    }
    return render(request, "reviews/review_score.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def review_score(request, pk: int):
    assignment = get_object_or_404(assignments_of(request.user).exclude(status=AssignmentStatus.CONFLICT), pk=pk)
    if assignment.status == AssignmentStatus.ASSIGNED:
        return _page(request, assignment, review=None, problem=_(
            "Declare that you have no conflict of interest before the application opens to you."))
    try:
        review = open_review(assignment, by=request.user)
    except ValidationError as exc:
        return _page(request, assignment, review=None, problem=" ".join(exc.messages))
    if request.method == "GET":
        return _page(request, assignment, review=review)
    scores = list(review.scores.select_related("criterion"))
    form = ReviewForm(request.POST, scores=scores)
    if not form.is_valid():
        labels = {name: field.label for name, field in form.fields.items()}
        labels.update({f"{prefix}-{s.criterion_id}": str(s.criterion)
                       for s in scores for prefix in ("points", "comment")})
        for name, errors in form.errors.items():
            label = labels.get(name, "")
            for error in errors:
                messages.error(request, f"{label}：{error}" if label else error)
        return _page(request, assignment, review=review, form=form)
    data = form.cleaned_data
    try:
        save_scores(review, scores=form.scores(), opinion=data["opinion"], recommendation=data["recommendation"],
                    by=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return _page(request, assignment, review=review, form=form)
    if request.POST.get("action") != "submit":
        messages.success(request, _("The draft was saved."))
        return redirect("review_score", pk=assignment.pk)
    try:
        submit_review(review, by=request.user)
    except ValidationError as exc:
        messages.warning(request, _("The draft was saved, but the review cannot be submitted yet:"))
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The review was submitted. It is now locked."))
    return redirect("review_score", pk=assignment.pk)


@login_required
@require_POST
def review_reopen(request, pk: int):
    review = get_object_or_404(reviews_visible_to(request.user), assignment_id=pk)
    form = ReasonForm(request.POST)
    try:
        reopen_review(review, reason=form.data.get("reason", ""), by=request.user)  # PermissionDenied: 403
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The review was reopened; the reviewer has been notified."))
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return redirect(target)
    return redirect("application_detail", pk=review.assignment.application_id)


urlpatterns = [
    path("reviews/<int:pk>/score/", review_score, name="review_score"),
    path("reviews/<int:pk>/reopen/", review_reopen, name="review_reopen"),
]
