"""The rubric of a cycle (national staff): the tree with its checks and settings, edits, copy, Excel export and import.

Out of scope is a 404 (``cycles_visible_to``); in scope without ``reviews.manage_rubrics`` is a 403.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from evaluations.imports import errors_heading
from evaluations.models import Cycle, Indicator
from evaluations.selectors import cycles_visible_to
from evaluations.views.common import attempt
from ipcity.downloads import xlsx_response
from ipcity.forms import StyledForm
from evaluations.enums import MEASURED_VALUES
from reviews.derivations import describe_derivation, reads_table
from reviews.enums import Aggregate, CriterionKind, Direction, Formula
from reviews.exports.rubric_xlsx import params_text, rubric_workbook
from reviews.imports import import_rubric
from reviews.models import Criterion, Rubric
from reviews.rubric_checks import table_row_labels, template_of
from reviews.services import rubrics as services

FROZEN = gettext_lazy("The rubric is frozen because the review has started; it can no longer be changed.")
INDENT = {1: "", 2: "ps-4", 3: "ps-5"}
CRITERION_FIELDS = ("name", "max_points", "kind", "direction", "guidance", "indicator", "source_key", "derivation",
                    "formula", "formula_params", "confirmed")


# --- Forms (input only; the services validate and save) --------------------------------------


class SettingsForm(StyledForm):
    aggregate = forms.ChoiceField(label=gettext_lazy("Subjective score that counts"), choices=Aggregate.choices)
    reject_below = forms.DecimalField(label=gettext_lazy("Suggest rejection below"), min_value=0, max_digits=6,
                                      decimal_places=2)
    approve_above = forms.DecimalField(label=gettext_lazy("Suggest approval above"), min_value=0, max_digits=6,
                                       decimal_places=2)
    reviewers_per_application = forms.IntegerField(label=gettext_lazy("Reviewers per application"), min_value=1,
                                                   max_value=50)
    outlier_threshold = forms.DecimalField(label=gettext_lazy("Outlier when further from the mean than (points)"),
                                           min_value=0, max_digits=6, decimal_places=2)


class CriterionForm(StyledForm):
    parent = forms.ModelChoiceField(label=gettext_lazy("Under"), queryset=Criterion.objects.none(), required=False,
                                    empty_label=gettext_lazy("(a new level-1 criterion)"))
    name = forms.CharField(label=pgettext_lazy("criterion", "Name"), max_length=200)
    max_points = forms.DecimalField(label=gettext_lazy("Maximum points"), max_digits=6, decimal_places=2)
    kind = forms.ChoiceField(label=pgettext_lazy("criterion", "Kind"), choices=CriterionKind.choices)
    direction = forms.ChoiceField(label=gettext_lazy("Direction"), choices=Direction.choices,
                                  initial=Direction.HIGHER_IS_BETTER)
    guidance = forms.CharField(label=gettext_lazy("Guidance for reviewers"), required=False,
                               widget=forms.Textarea(attrs={"rows": 3}))
    indicator = forms.ModelChoiceField(label=gettext_lazy("Source: row of the basic-information table"),
                                       queryset=None, required=False)
    source_key = forms.CharField(label=gettext_lazy("Source: measured value key"), max_length=60, required=False)
    derivation = forms.CharField(
        label=gettext_lazy("Source: derived value (JSON)"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy('A ratio of two inputs: {"op": "ratio", "numerator": "table:17", "denominator": '
                               '"table:3"}, optionally with "scale": 100; a growth in percent: {"op": "growth", '
                               '"current": "table:19", "previous": "measured:…"}; the mean score over the term: '
                               '{"op": "term_mean", "assessment": "annual"} or "patent_strength". table:N is row N '
                               'of the basic-information table, measured:key a measured value.'))
    formula = forms.ChoiceField(label=gettext_lazy("Scoring formula"), required=False,
                                choices=[("", "—"), *Formula.choices])
    formula_params = forms.CharField(
        label=gettext_lazy("Formula parameters (JSON)"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy('Linear: {"benchmark": 20}, a reverse indicator also "worst"; relative to the best: '
                               'empty; bands: {"bands": [[50, 2], [200, 5]]}.'))
    confirmed = forms.BooleanField(label=gettext_lazy("Confirmed (not an example)"), required=False, initial=True)

    def __init__(self, *args, rubric: Rubric, template, adding: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator"].queryset = template.indicators.all() if template else Indicator.objects.none()
        self.fields["source_key"].help_text = _("Known keys: %(keys)s") % {"keys": ", ".join(MEASURED_VALUES)}
        if adding:
            self.fields["parent"].queryset = rubric.criteria.filter(level__lt=services.MAX_LEVEL)
            self.fields["parent"].label_from_instance = lambda c: f"{c.code} {c.name}"
        else:
            del self.fields["parent"]

    def clean_formula_params(self) -> dict:
        params = _json_object(self.cleaned_data["formula_params"])
        if params is None:
            raise ValidationError(_('Write the parameters as JSON, e.g. {"benchmark": 20}.'))
        return params

    def clean_derivation(self) -> dict:
        derivation = _json_object(self.cleaned_data["derivation"])
        if derivation is None:
            raise ValidationError(_('Write the derived value as JSON, e.g. {"op": "ratio", "numerator": "table:17", '
                                    '"denominator": "table:3"}.'))
        return derivation


def _json_object(text: str) -> dict | None:
    """``{}`` for an empty field, the object written, or None when it is not a JSON object."""
    text = text.strip()
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


class ImportForm(StyledForm):
    # Empty and oversized files are refused by the importer with its own messages.
    file = forms.FileField(label=gettext_lazy("Excel file (.xlsx)"), allow_empty_file=True,
                           widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}))


class CopyForm(StyledForm):
    source = forms.ModelChoiceField(label=gettext_lazy("Copy the rubric of"), queryset=Cycle.objects.none())

    def __init__(self, *args, cycle: Cycle, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = (Cycle.objects.filter(rubric__isnull=False).exclude(pk=cycle.pk)
                                          .order_by("-year", "kind"))


# --- Page context -------------------------------------------------------------------------------


@dataclass
class Row:
    criterion: Criterion
    indent: str
    is_leaf: bool
    objective: bool
    reverse: bool
    source: str
    params: str


def source_of(criterion: Criterion, table_labels: dict[str, str]) -> str:
    if criterion.indicator is not None:
        return _("Table row %(number)s: %(label)s") % {"number": criterion.indicator.number,
                                                       "label": criterion.indicator.label}
    if criterion.derivation:
        return describe_derivation(criterion.derivation, table_labels) or params_text(criterion.derivation)
    if criterion.source_key:
        known = MEASURED_VALUES.get(criterion.source_key)
        return f"{criterion.source_key}（{known}）" if known else criterion.source_key
    return ""


def rows_of(criteria: list[Criterion], template) -> list[Row]:
    """The rows of the page; the names of the table rows derived values read take one query when there are any."""
    parents = {c.parent_id for c in criteria}
    labels = {}
    if template is not None and any(reads_table(c.derivation) for c in criteria):
        labels = table_row_labels(template.pk)
    return [Row(criterion=c, indent=INDENT.get(c.level, "ps-5"), is_leaf=c.pk not in parents,
                objective=c.kind == CriterionKind.OBJECTIVE, reverse=c.direction == Direction.LOWER_IS_BETTER,
                source=source_of(c, labels), params=params_text(c.formula_params))
            for c in criteria]


def managed_cycle(request, pk: int) -> Cycle:
    cycle = get_object_or_404(cycles_visible_to(request.user).select_related("basic_info_template"), pk=pk)
    if not request.user.has_perm(services.PERM):
        raise PermissionDenied
    return cycle


def rubric_of(cycle: Cycle) -> Rubric | None:
    rubric = Rubric.objects.select_related("copied_from__cycle").filter(cycle=cycle).first()
    if rubric is not None:
        rubric.cycle = cycle
    return rubric


def render_detail(request, cycle: Cycle, *, settings_form: SettingsForm | None = None,
                  import_form: ImportForm | None = None, import_errors=(), status: int = 200):
    rubric = rubric_of(cycle)
    context = {"cycle": cycle, "rubric": rubric, "import_errors": list(import_errors),
               "import_form": import_form or ImportForm(), "copy_form": CopyForm(cycle=cycle)}
    if rubric is not None:
        criteria = list(rubric.criteria.select_related("indicator"))
        context.update({
            "rows": rows_of(criteria, template_of(cycle)), "problems": services.rubric_problems(rubric, criteria),
            "tops": [c for c in criteria if c.parent_id is None],
            "examples": sum(1 for c in criteria if not c.confirmed),
            "settings_form": settings_form or SettingsForm(initial={name: getattr(rubric, name)
                                                                    for name in services.SETTINGS}),
        })
    return render(request, "reviews/rubric_detail.html", context, status=status)


# --- Views --------------------------------------------------------------------------------------


@login_required
def rubric_detail(request, pk: int):
    return render_detail(request, managed_cycle(request, pk))


@login_required
@require_POST
def rubric_create(request, pk: int):
    cycle = managed_cycle(request, pk)
    attempt(request, lambda: services.create_default_rubric(cycle, by=request.user),
            _("The default rubric was created. Replace the rows marked as examples."))
    return redirect("rubric_detail", pk=cycle.pk)


@login_required
@require_POST
def rubric_copy(request, pk: int):
    cycle = managed_cycle(request, pk)
    form = CopyForm(request.POST, cycle=cycle)
    if form.is_valid():
        attempt(request, lambda: services.copy_rubric(form.cleaned_data["source"], cycle, by=request.user),
                _("The rubric was copied."))
    else:
        messages.error(request, _("Choose a cycle that has a rubric."))
    return redirect("rubric_detail", pk=cycle.pk)


@login_required
@require_POST
def rubric_settings(request, pk: int):
    cycle = managed_cycle(request, pk)
    rubric = get_object_or_404(Rubric, cycle=cycle)
    form = SettingsForm(request.POST)
    if not form.is_valid():
        return render_detail(request, cycle, settings_form=form)
    try:
        services.set_rubric_settings(rubric, by=request.user, **form.cleaned_data)
    except ValidationError as exc:
        form.add_error(None, exc)
        return render_detail(request, cycle, settings_form=form)
    messages.success(request, _("The settings were saved."))
    return redirect("rubric_detail", pk=cycle.pk)


def _criterion_changes(form: CriterionForm) -> dict:
    return {name: form.cleaned_data[name] for name in CRITERION_FIELDS}


def _render_form(request, cycle: Cycle, rubric: Rubric, form: CriterionForm, criterion: Criterion | None):
    return render(request, "reviews/criterion_form.html",
                  {"cycle": cycle, "rubric": rubric, "form": form, "criterion": criterion})


@login_required
@require_http_methods(["GET", "POST"])
def rubric_criterion_add(request, pk: int):
    cycle = managed_cycle(request, pk)
    rubric = get_object_or_404(Rubric, cycle=cycle)
    if rubric.is_frozen:
        messages.error(request, FROZEN)
        return redirect("rubric_detail", pk=cycle.pk)
    parent = rubric.criteria.filter(pk=request.GET.get("parent")).first() if \
        str(request.GET.get("parent", "")).isdigit() else None
    initial = {"parent": parent, "kind": parent.kind if parent else CriterionKind.SUBJECTIVE}
    form = CriterionForm(request.POST or None, rubric=rubric, template=template_of(cycle), adding=True,
                         initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            criterion = services.add_criterion(rubric, parent=form.cleaned_data["parent"], by=request.user,
                                               **_criterion_changes(form))
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("%(criterion)s was added.") % {"criterion": criterion})
            return redirect("rubric_detail", pk=cycle.pk)
    return _render_form(request, cycle, rubric, form, None)


@login_required
@require_http_methods(["GET", "POST"])
def rubric_criterion_edit(request, pk: int, criterion_pk: int):
    cycle = managed_cycle(request, pk)
    rubric = get_object_or_404(Rubric, cycle=cycle)
    criterion = get_object_or_404(rubric.criteria.select_related("indicator"), pk=criterion_pk)
    if rubric.is_frozen:
        messages.error(request, FROZEN)
        return redirect("rubric_detail", pk=cycle.pk)
    initial = {name: getattr(criterion, name) for name in CRITERION_FIELDS}
    initial["formula_params"] = params_text(criterion.formula_params)
    initial["derivation"] = params_text(criterion.derivation)
    form = CriterionForm(request.POST or None, rubric=rubric, template=template_of(cycle), adding=False,
                         initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_criterion(criterion, changes=_criterion_changes(form), by=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("%(criterion)s was saved.") % {"criterion": criterion})
            return redirect("rubric_detail", pk=cycle.pk)
    return _render_form(request, cycle, rubric, form, criterion)


@login_required
@require_POST
def rubric_criterion_delete(request, pk: int, criterion_pk: int):
    cycle = managed_cycle(request, pk)
    rubric = get_object_or_404(Rubric, cycle=cycle)
    criterion = get_object_or_404(rubric.criteria, pk=criterion_pk)
    attempt(request, lambda: services.delete_criterion(criterion, by=request.user),
            _("%(criterion)s was deleted with its sub-criteria.") % {"criterion": criterion})
    return redirect("rubric_detail", pk=cycle.pk)


@login_required
def rubric_xlsx(request, pk: int):
    cycle = managed_cycle(request, pk)
    rubric = get_object_or_404(Rubric.objects.select_related("cycle"), cycle=cycle)
    return xlsx_response(rubric_workbook(rubric), name=f"指标体系-{cycle.title}.xlsx",
                         ascii_name=f"rubric-{cycle.kind}-{cycle.year}.xlsx", by=request.user, obj=rubric,
                         table="rubric")


@login_required
@require_POST
def rubric_import(request, pk: int):
    cycle = managed_cycle(request, pk)
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return render_detail(request, cycle, import_form=form, status=400)
    result = import_rubric(form.cleaned_data["file"], cycle=cycle, by=request.user)
    if not result.ok:
        messages.error(request, errors_heading(result.errors))
        return render_detail(request, cycle, import_form=form, import_errors=result.errors)
    messages.success(request, ngettext("Imported %(count)s criterion.", "Imported %(count)s criteria.", result.count)
                     % {"count": result.count})
    return redirect("rubric_detail", pk=cycle.pk)


urlpatterns = [
    path("cycles/<int:pk>/rubric/", rubric_detail, name="rubric_detail"),
    path("cycles/<int:pk>/rubric/create/", rubric_create, name="rubric_create"),
    path("cycles/<int:pk>/rubric/copy/", rubric_copy, name="rubric_copy"),
    path("cycles/<int:pk>/rubric/settings/", rubric_settings, name="rubric_settings"),
    path("cycles/<int:pk>/rubric/criteria/new/", rubric_criterion_add, name="rubric_criterion_add"),
    path("cycles/<int:pk>/rubric/criteria/<int:criterion_pk>/", rubric_criterion_edit, name="rubric_criterion_edit"),
    path("cycles/<int:pk>/rubric/criteria/<int:criterion_pk>/delete/", rubric_criterion_delete,
         name="rubric_criterion_delete"),
    path("cycles/<int:pk>/rubric.xlsx", rubric_xlsx, name="rubric_xlsx"),
    path("cycles/<int:pk>/rubric/import/", rubric_import, name="rubric_import"),
]
