"""The basic-information table of an application: in the browser, as the official Excel layout, and imported back."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from cities.rules import city_ids_of
from cities.selectors import cities_visible_to
from evaluations.basic_info import (
    link_proof,
    current_template,
    ensure_editable,
    may_edit_city_table,
    save_indicator_values,
    value_problem,
    values_by_indicator,
)
from evaluations.enums import AnswerType, MaterialKind
from evaluations.exports.basic_info_xlsx import basic_info_workbook, cell_number
from evaluations.imports import errors_heading, import_basic_info
from evaluations.models import Application, Indicator, IndicatorTemplate, IndicatorValue
from evaluations.selectors import applications_visible_to
from ipcity.downloads import xlsx_response
from ipcity.forms import StyledForm, style_fields

FIRST_YEAR, LAST_YEAR = 2000, 2100


# --- Forms (input only; the service validates and saves) -----------------------------------


def field_name(indicator: Indicator) -> str:
    return f"v{indicator.pk}"


def shown_value(indicator: Indicator, value: IndicatorValue | None) -> str:
    if value is None:
        return ""
    if indicator.answer_type == AnswerType.NUMBER:
        return "" if value.number is None else str(cell_number(value.number))
    return value.text


class BasicInfoForm(StyledForm):
    """One text field per indicator, holding exactly what the official typed."""

    def __init__(self, *args, indicators: list[Indicator], values: dict[int, IndicatorValue], **kwargs):
        super().__init__(*args, **kwargs)
        for indicator in indicators:
            if indicator.answer_type == AnswerType.NUMBER:
                widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
            elif indicator.sub_item:  # 隶属关系, 行政级别: a few words
                widget = forms.TextInput()
            else:
                attrs = {"rows": 5, "data-char-counter": ""}
                if indicator.max_chars:
                    attrs["data-max-chars"] = indicator.max_chars
                widget = forms.Textarea(attrs=attrs)
            self.fields[field_name(indicator)] = forms.CharField(
                label=indicator.label, required=False, strip=False, widget=widget,
                initial=shown_value(indicator, values.get(indicator.pk)))
        style_fields(self)

    def add_service_errors(self, indicators: list[Indicator], error: ValidationError) -> None:
        by_pk = {indicator.pk: indicator for indicator in indicators}
        for pk, errors in error.message_dict.items():
            name = field_name(by_pk[pk]) if pk in by_pk else None
            self.add_error(name, errors)
            if name:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
                widget.attrs["aria-invalid"] = "true"


class ImportForm(StyledForm):
    # Empty and oversized files are refused by the importer with its own messages.
    file = forms.FileField(label=gettext_lazy("Excel file (.xlsx)"), allow_empty_file=True,
                           widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}))


# --- Page context ---------------------------------------------------------------------------


@dataclass
class Row:
    indicator: Indicator
    value: IndicatorValue | None
    shown: str
    field: forms.BoundField | None
    first_of_group: bool
    in_group: bool


def table_of(application: Application) -> tuple[int, IndicatorTemplate | None]:
    cycle = application.cycle
    return cycle.data_year, cycle.basic_info_template or current_template()


def may_edit(user, application: Application) -> bool:
    return user.has_perm("evaluations.edit_application", application) and application.is_editable


def visible_application(request, pk: int) -> Application:
    applications = applications_visible_to(request.user).select_related("cycle__basic_info_template")
    return get_object_or_404(applications, pk=pk)


def render_table(request, application: Application, *, form: BasicInfoForm | None = None,
                 import_form: ImportForm | None = None, import_errors=(), status: int = 200):
    year, template = table_of(application)
    can_edit = may_edit(request.user, application)
    indicators = list(template.indicators.all()) if template else []
    values = values_by_indicator(application.city, year, template) if template else {}
    if can_edit and form is None:
        form = BasicInfoForm(indicators=indicators, values=values)
    sections: list[tuple[str, list[Row]]] = []
    numbers = [indicator.number for indicator in indicators]
    for indicator in indicators:
        if not sections or sections[-1][0] != indicator.section:
            sections.append((indicator.section, []))
        rows = sections[-1][1]
        in_group = numbers.count(indicator.number) > 1
        first = in_group and not any(row.indicator.number == indicator.number for row in rows)
        value = values.get(indicator.pk)
        rows.append(Row(indicator=indicator, value=value, shown=shown_value(indicator, value),
                        field=form[field_name(indicator)] if form else None, first_of_group=first,
                        in_group=in_group))
    problems = [problem for indicator in indicators
                if (problem := value_problem(indicator, values.get(indicator.pk))) is not None]
    proofs = list(application.materials.filter(kind=MaterialKind.PROOF).prefetch_related("indicator_values"))
    linkable = [(row.indicator, row.shown) for _section, rows in sections for row in rows if row.shown]
    return render(request, "evaluations/application_basic_info.html", {
        "application": application, "year": year, "template": template, "sections": sections,
        "proofs": [(proof, {v.indicator_id for v in proof.indicator_values.all()}) for proof in proofs],
        "linkable": linkable,
        "form": form, "can_edit": can_edit, "problems": problems,
        "import_form": import_form or (ImportForm() if can_edit else None), "import_errors": list(import_errors),
        "import_heading": errors_heading(import_errors),
    }, status=status)


def refuse_changes(request, application: Application):
    """Only the city's officers change the table, and only while the application is editable."""
    if not request.user.has_perm("evaluations.edit_application", application):
        raise PermissionDenied
    try:
        ensure_editable(application)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return render_table(request, application, status=409)
    return None


def table_xlsx(content: bytes, *, city, year: int, by) -> HttpResponse:
    return xlsx_response(content, name=f"基本情况表-{city.full_name or city.name}-{year}.xlsx",
                         ascii_name=f"basic-info-{city.code}-{year}.xlsx", by=by, obj=city, table="basic-info")


def contact_of(user, city) -> dict:
    """The cover's contact person is the city officer who downloads the table."""
    if city.pk in city_ids_of(user):
        return {"name": user.full_name, "landline": user.phone}
    return {}


# --- Views ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def application_basic_info(request, pk: int):
    application = visible_application(request, pk)
    if request.method != "POST":
        return render_table(request, application)
    refused = refuse_changes(request, application)
    if refused:
        return refused
    year, template = table_of(application)
    if template is None:
        raise Http404
    indicators = list(template.indicators.all())
    form = BasicInfoForm(request.POST, indicators=indicators, values=values_by_indicator(
        application.city, year, template))
    if form.is_valid():
        # Only the rows the page posted: a partial form never clears the others.
        typed = {indicator.pk: form.cleaned_data[field_name(indicator)] for indicator in indicators
                 if field_name(indicator) in request.POST}
        try:
            save_indicator_values(application.city, year, template, typed, by=request.user)
        except ValidationError as exc:
            form.add_service_errors(indicators, exc)
            messages.error(request, _("Nothing was saved: correct the rows marked below."))
        else:
            messages.success(request, _("The basic-information table was saved."))
            return redirect("application_basic_info", pk=application.pk)
    return render_table(request, application, form=form)


@login_required
def application_basic_info_xlsx(request, pk: int):
    return table_xlsx_response(visible_application(request, pk), request.user)


def table_xlsx_response(application: Application, user) -> HttpResponse:
    """The application's table in the official Excel layout (the page and the API)."""
    year, template = table_of(application)
    if template is None:
        raise Http404
    content = basic_info_workbook(application.city, year, template, contact=contact_of(user, application.city))
    return table_xlsx(content, city=application.city, year=year, by=user)


@login_required
@require_POST
def application_basic_info_import(request, pk: int):
    application = visible_application(request, pk)
    refused = refuse_changes(request, application)
    if refused:
        return refused
    year, template = table_of(application)
    if template is None:
        raise Http404
    import_form = ImportForm(request.POST, request.FILES)
    if not import_form.is_valid():
        return render_table(request, application, import_form=import_form)
    result = import_basic_info(import_form.cleaned_data["file"], city=application.city, year=year,
                               template=template, by=request.user)
    if not result.ok:
        return render_table(request, application, import_form=import_form, import_errors=result.errors)
    messages.success(request, ngettext("Imported %(count)s value.", "Imported %(count)s values.", result.filled)
                     % {"count": result.filled})
    return redirect("application_basic_info", pk=application.pk)


@login_required
def city_basic_info_xlsx(request, code: str, year: int):
    city = get_object_or_404(cities_visible_to(request.user), code=code)
    # A city's table is its own until it submits: province staff read it through the submitted application.
    if not (request.user.has_perm("evaluations.act_as_national") or may_edit_city_table(request.user, city)):
        raise Http404
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Http404
    # The version the city's values of that year were entered in, else the current one.
    template = (IndicatorTemplate.objects.filter(indicators__values__city=city, indicators__values__year=year)
                .distinct().order_by("-created_at", "-id").first() or current_template())
    if template is None:
        raise Http404
    content = basic_info_workbook(city, year, template, contact=contact_of(request.user, city))
    return table_xlsx(content, city=city, year=year, by=request.user)


@login_required
@require_http_methods(["POST"])
def application_basic_info_proof(request, pk: int, material_pk: int):
    application = visible_application(request, pk)
    refused = refuse_changes(request, application)
    if refused:
        return refused
    material = get_object_or_404(application.materials, pk=material_pk)
    try:
        rows = [int(value) for value in request.POST.getlist("indicators")]
        count = link_proof(application, material=material, indicator_ids=rows, by=request.user)
    except (ValueError, ValidationError) as exc:
        for message in getattr(exc, "messages", [str(exc)]):
            messages.error(request, message)
    else:
        messages.success(request, _("“%(proof)s” now supports %(count)s rows of the table.")
                         % {"proof": material, "count": count})
    return redirect("application_basic_info", pk=application.pk)


urlpatterns = [
    path("applications/<int:pk>/basic-info/proof/<int:material_pk>/", application_basic_info_proof,
         name="application_basic_info_proof"),
    path("applications/<int:pk>/basic-info/", application_basic_info, name="application_basic_info"),
    path("applications/<int:pk>/basic-info.xlsx", application_basic_info_xlsx, name="application_basic_info_xlsx"),
    path("applications/<int:pk>/basic-info/import/", application_basic_info_import,
         name="application_basic_info_import"),
    path("cities/<str:code>/basic-info/<int:year>.xlsx", city_basic_info_xlsx, name="city_basic_info_xlsx"),
]
