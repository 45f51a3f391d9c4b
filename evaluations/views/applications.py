"""Application pages: the lists (city's, province inbox, national), the detail page and the city's edits."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cities.enums import Role
from cities.models import AuditEntry
from evaluations import deadlines, workflow
from evaluations.basic_info import current_template, table_problems
from evaluations.completeness import missing_for_submit
from evaluations.enums import Action, ApplicationState, CycleKind, NarrativeDocument, Stage
from evaluations.forms import ApplicationDetailsForm, ApplicationFilterForm, ReasonForm
from evaluations.materials import materials_for, uploadable_kinds
from evaluations.selectors import applications_visible_to, cycles_visible_to, latest_return, shown_state
from evaluations.services import applications as services
from evaluations.snapshots import diff_snapshots
from evaluations.views.common import attempt, visible_application
from evaluations.workflow import transition
from ipcity.dates import local_today
from ipcity.pagination import paginate
from ipcity.panels import panels

# Actions the generic form may apply; the others have their own pages (letter, veto, disqualify).
SIMPLE_ACTIONS = {Action.SUBMIT, Action.WITHDRAW, Action.RETURN, Action.DECLINE, Action.ACCEPT, Action.SHORTLIST,
                  Action.SUBMIT_FORMAL}
CONFIRM = {
    Action.SUBMIT: gettext_lazy("Submit the application to the province? It can no longer be changed unless the "
                                "province returns it."),
    Action.SUBMIT_FORMAL: gettext_lazy("Submit the formal application to the national administration?"),
    Action.WITHDRAW: gettext_lazy("Withdraw the application? This cannot be undone."),
    Action.ACCEPT: gettext_lazy("Accept the application into expert review?"),
    Action.SHORTLIST: gettext_lazy("Shortlist this strong-city applicant?"),
    Action.DECLINE: gettext_lazy("Decline to recommend this application? This cannot be undone."),
    Action.RETURN: gettext_lazy("Return the application with the reason below?"),
}


@login_required
def application_list(request):
    user = request.user
    if not user.roles & {Role.NATIONAL_ADMIN, Role.PROVINCE_STAFF, Role.CITY_OFFICER}:
        raise PermissionDenied
    form = ApplicationFilterForm(request.GET or None, cycles=cycles_visible_to(user))
    applications = applications_visible_to(user).order_by("-cycle__year", "cycle__kind", "city__code")
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            applications = applications.filter(Q(city__full_name__icontains=data["q"]) | Q(city__code=data["q"]))
        if data["cycle"]:
            applications = applications.filter(cycle=data["cycle"])
        if data["kind"]:
            applications = applications.filter(cycle__kind=data["kind"])
        if data["state"]:
            applications = applications.filter(state=data["state"])
    page, querystring = paginate(request, applications)
    today = local_today()
    rows = []
    for application in page.object_list:
        stage = Stage.CITY if application.is_editable else Stage.PROVINCE
        days_left = deadlines.days_left(application, stage, today=today)
        rows.append({"application": application, "state": shown_state(application, user),
                     "deadline": deadlines.deadline_for(application, stage),
                     "days_left": days_left, "overdue": -days_left,
                     "waiting": application.state in (ApplicationState.DRAFT, ApplicationState.SUBMITTED)})
    title = (_("Province inbox") if user.has_role(Role.PROVINCE_STAFF) and not user.has_role(Role.NATIONAL_ADMIN)
             else _("My applications") if not user.has_role(Role.NATIONAL_ADMIN) else _("Applications"))
    return render(request, "evaluations/application_list.html", {
        "form": form, "page": page, "rows": rows, "querystring": querystring, "title": title})


# Decisions stay with national staff until the cycle's results are published (公示).
OUTCOME_ACTIONS = [f"application.{action.value}" for action in (Action.APPROVE, Action.REJECT, Action.PASS, Action.FAIL)]


def _timeline(application, user):
    entries = AuditEntry.objects.filter(content_type__app_label="evaluations", content_type__model="application",
                                        object_id=str(application.pk)).select_related("content_type")
    if not application.cycle.results_published and not user.has_role(Role.NATIONAL_ADMIN):
        entries = entries.exclude(action__in=OUTCOME_ACTIONS).exclude(action__startswith="decision.")
    return entries[:200]


@login_required
def application_detail(request, pk: int):
    return render_application(request, visible_application(request, pk))


def render_application(request, application, *, forms: dict | None = None, status: int = 200):
    """The application page; ``forms`` replaces blank forms by bound ones, so a refused form shows its
    errors next to its fields."""
    user = request.user
    cycle = application.cycle
    can_edit = user.has_perm("evaluations.edit_application", application) and application.is_editable
    is_province = user.has_perm("evaluations.act_as_province", application)
    is_national = user.has_perm("evaluations.act_as_national")
    template = cycle.basic_info_template or current_template()
    actions = [a for a in workflow.allowed_actions(application, user) if a in SIMPLE_ACTIONS]
    snapshots = list(application.snapshots.all())
    context = {
        "application": application, "cycle": cycle, "state": shown_state(application, user),
        "returned": latest_return(application),
        "can_edit": can_edit, "is_province": is_province, "is_national": is_national,
        "actions": [(Action(a), CONFIRM.get(a, "")) for a in actions],
        "reason_form": ReasonForm(),
        "missing": missing_for_submit(application) if application.is_editable else [],
        "details_form": ApplicationDetailsForm(initial={"theme": application.theme,
                                                        "enforcement_score": application.enforcement_score}),
        "show_theme": cycle.kind in (CycleKind.PILOT, CycleKind.DEMONSTRATION),
        "show_enforcement": cycle.kind == CycleKind.STRONG_CITY,
        "sections": list(application.sections.all()),
        "problems": table_problems(application.city, cycle.data_year, template),
        "uses_table": "basic_info_table" in cycle.required_materials,
        "materials": materials_for(application),
        "upload_kinds": uploadable_kinds(application, user),
        "snapshots": snapshots,
        "timeline": _timeline(application, user),
        "city_deadline": deadlines.deadline_for(application, Stage.CITY),
        "province_deadline": deadlines.deadline_for(application, Stage.PROVINCE),
        "today": local_today(),
        "panels": panels("application", request, application),
    }
    if is_province or is_national:
        from evaluations.views.actions import panel_context

        context.update(panel_context(application, user))
    context.update(forms or {})
    return render(request, "evaluations/application_detail.html", context, status=status)


@login_required
@require_POST
def application_details(request, pk: int):
    application = visible_application(request, pk)
    form = ApplicationDetailsForm(request.POST)
    if form.is_valid():
        try:
            services.update_application_details(application, theme=form.cleaned_data["theme"],
                                                enforcement_score=form.cleaned_data["enforcement_score"],
                                                by=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("application_detail", pk=application.pk)
    return render_application(request, application, forms={"details_form": form}, status=400)


@login_required
def application_sections(request, pk: int, document: str):
    application = visible_application(request, pk)
    document = NarrativeDocument(document)
    sections = list(application.sections.filter(document=document))
    if not sections:
        raise PermissionDenied
    can_edit = request.user.has_perm("evaluations.edit_application", application) and application.is_editable
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        bodies = {s.pk: request.POST.get(f"section-{s.pk}", "").strip() for s in sections}
        if attempt(request, lambda: services.save_sections(application, bodies=bodies, by=request.user),
                   _("Saved.")):
            return redirect("application_detail", pk=application.pk)
    return render(request, "evaluations/application_sections.html", {
        "application": application, "document": document, "sections": sections, "can_edit": can_edit})


@login_required
@require_POST
def application_act(request, pk: int, action: str):
    application = visible_application(request, pk)
    try:
        action = Action(action)
    except ValueError:
        raise PermissionDenied from None
    if action not in SIMPLE_ACTIONS:
        raise PermissionDenied
    form = ReasonForm(request.POST)
    reason = form.data.get("reason", "")
    attempt(request, lambda: transition(application, action, by=request.user, reason=reason),
            _("Done: %(action)s.") % {"action": action.label})
    return redirect("application_detail", pk=application.pk)


@login_required
def application_diff(request, pk: int):
    application = visible_application(request, pk)
    snapshots = {s.pk: s for s in application.snapshots.all()}
    try:
        old = snapshots[int(request.GET["from"])]
        new = snapshots[int(request.GET["to"])]
    except (KeyError, ValueError):
        ordered = sorted(snapshots.values(), key=lambda s: s.pk)
        if len(ordered) < 2:
            messages.info(request, _("There is only one version so far; nothing to compare."))
            return redirect("application_detail", pk=application.pk)
        old, new = ordered[-2], ordered[-1]
    return render(request, "evaluations/application_diff.html", {
        "application": application, "old": old, "new": new, "rows": diff_snapshots(old.data, new.data),
        "snapshots": sorted(snapshots.values(), key=lambda s: s.pk)})


urlpatterns = [
    path("applications/", application_list, name="application_list"),
    path("applications/<int:pk>/", application_detail, name="application_detail"),
    path("applications/<int:pk>/details/", application_details, name="application_details"),
    path("applications/<int:pk>/sections/<str:document>/", application_sections, name="application_sections"),
    path("applications/<int:pk>/act/<str:action>/", application_act, name="application_act"),
    path("applications/<int:pk>/changes/", application_diff, name="application_diff"),
]
