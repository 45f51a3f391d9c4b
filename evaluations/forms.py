"""Forms of the applications pages. They validate input only; views call the services."""

from __future__ import annotations

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from evaluations import deadlines
from evaluations.enums import (
    MEASURED_VALUES,
    NATIONAL_MATERIAL_KINDS,
    PROVINCE_MATERIAL_KINDS,
    ApplicationState,
    CycleKind,
    CycleStatus,
    MaterialKind,
    MissedReReview,
    Stage,
    VetoGround,
)
from ipcity.forms import DateInput, StyledForm


class CycleForm(StyledForm):
    kind = forms.ChoiceField(label=_("Procedure"), choices=CycleKind.choices)
    year = forms.IntegerField(label=_("Year"), min_value=2008, max_value=2100)
    title = forms.CharField(label=pgettext_lazy("document", "Title"), max_length=200, required=False,
                            help_text=_("Leave empty for the standard title, e.g. 2026年度示范城市评定."))
    notice_title = forms.CharField(
        label=_("Notice"), max_length=200, required=False,
        help_text=_("The full title of the notice, without book-title marks, e.g. "
                    "国家知识产权局办公室关于开展2018年度国家知识产权试点示范城市、强市创建市评定和复核等工作的通知. "
                    "Letters and the published results cite it."))
    document_number = forms.CharField(label=_("Document number of the notice"), max_length=80, required=False)
    notice_date = forms.DateField(label=_("Date of the notice"), widget=DateInput, required=False)
    missed_re_review = forms.ChoiceField(
        label=_("A due city that does not apply for re-review is treated"), choices=MissedReReview.choices,
        initial=MissedReReview.FAIL, required=False,
        help_text=_("Re-reviews only. The notice does not say; the national administration decides."))
    city_deadline = forms.DateField(label=_("Cities submit to the province by"), widget=DateInput, required=False,
                                    help_text=_("Leave empty for two weeks before the provinces' deadline."))
    province_deadline = forms.DateField(label=_("Provinces submit to the national administration by"),
                                        widget=DateInput, required=False,
                                        help_text=_("Leave empty for the 2018 notice's date: 31 August for pilot "
                                                    "and re-review, 15 September for demonstration and strong-city."))
    measurement_request_deadline = forms.DateField(
        label=_("Provinces request objective-indicator measurement by"), widget=DateInput, required=False,
        help_text=_("Demonstration only; leave empty for 15 August."))
    default_quota = forms.IntegerField(label=_("Recommendations per province"), min_value=1, required=False,
                                       help_text=_("Leave empty for no limit."))
    required_materials = forms.MultipleChoiceField(
        label=_("Materials cities must provide"), required=False, widget=forms.CheckboxSelectMultiple,
        choices=[(k.value, k.label) for k in MaterialKind if k not in PROVINCE_MATERIAL_KINDS | NATIONAL_MATERIAL_KINDS],
        help_text=_("Leave all unticked for the 2018 notice's list for the procedure."))


class ChecklistItemForm(StyledForm):
    text = forms.CharField(label=_("Condition"), widget=forms.Textarea(attrs={"rows": 2}))
    source = forms.CharField(label=_("Source"), max_length=120, required=False)
    evidence_required = forms.BooleanField(label=_("Evidence required"), required=False, initial=True)


class QuotaForm(StyledForm):
    province = forms.ModelChoiceField(label=_("Province"), queryset=None)
    quota = forms.IntegerField(label=_("Recommendations allowed"), min_value=0, required=False,
                               help_text=_("Leave empty to use the cycle's default."))

    def __init__(self, *args, provinces=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["province"].queryset = provinces


class ApplicationDetailsForm(StyledForm):
    theme = forms.CharField(label=_("Featured theme"), max_length=200, required=False)
    enforcement_score = forms.DecimalField(label=_("Previous year's patent enforcement performance score"),
                                           required=False, min_value=0, max_value=100, decimal_places=2)


class ReasonForm(StyledForm):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class RecommendationLetterForm(StyledForm):
    materials_authentic = forms.BooleanField(
        label=_("The province has reviewed the materials and finds them authentic, accurate and complete"),
        required=True)
    authenticity_conclusion = forms.CharField(label=_("Authenticity review conclusion"),
                                              widget=forms.Textarea(attrs={"rows": 3}))
    measured_score = forms.DecimalField(label=_("Measured score"), required=False, min_value=0, max_value=100,
                                        decimal_places=2)
    opinion = forms.CharField(label=_("Recommendation opinion"), widget=forms.Textarea(attrs={"rows": 4}))
    rank = forms.IntegerField(label=_("Rank within the province"), min_value=1)
    signatory = forms.CharField(label=_("Issued by"), max_length=120)
    letter_date = forms.DateField(label=_("Date of the letter"), widget=DateInput)

    def __init__(self, *args, score_required: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measured_score"].required = score_required
        if not score_required:
            self.fields["measured_score"].help_text = _("Only for demonstration city applications.")


class VetoForm(StyledForm):
    grounds = forms.MultipleChoiceField(label=_("Grounds"), choices=VetoGround.choices,
                                        widget=forms.CheckboxSelectMultiple)
    finding = forms.CharField(label=_("Finding in the city's subsidy policy"), widget=forms.Textarea(attrs={"rows": 3}))


class ArgumentationForm(StyledForm):
    held_on = forms.DateField(label=_("Date"), widget=DateInput)
    experts = forms.CharField(label=_("Experts"), widget=forms.Textarea(attrs={"rows": 2}))
    conclusion = forms.CharField(label=_("Conclusion"), widget=forms.Textarea(attrs={"rows": 3}))


class MeasurementForm(StyledForm):
    """The measured score, and one optional number per measured value the indicator system reads
    (``MEASURED_VALUES``); ``cleaned_data["values"]`` gathers those entered."""

    measured_on = forms.DateField(label=_("Measured on"), widget=DateInput)
    score = forms.DecimalField(label=_("Measured score"), min_value=0, max_value=100, decimal_places=2)
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, label in MEASURED_VALUES.items():
            self.fields[f"value_{key}"] = forms.DecimalField(label=label, required=False, min_value=0, max_digits=16,
                                                             decimal_places=4)

    def measured_fields(self):
        return [self[f"value_{key}"] for key in MEASURED_VALUES]

    def clean(self):
        data = super().clean()
        data["values"] = {key: value for key in MEASURED_VALUES
                          if (value := data.pop(f"value_{key}", None)) is not None}
        return data

    @staticmethod
    def initial_values(values: dict) -> dict:
        return {f"value_{key}": values[key] for key in MEASURED_VALUES if key in (values or {})}


class AttestationForm(StyledForm):
    met = forms.BooleanField(label=_("Condition met"), required=False)
    evidence = forms.ModelChoiceField(label=_("Evidence"), queryset=None, required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def __init__(self, *args, materials=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evidence"].queryset = materials


class SiteVisitForm(StyledForm):
    visited_on = forms.DateField(label=_("Date"), widget=DateInput)
    experts = forms.CharField(label=_("Experts"), widget=forms.Textarea(attrs={"rows": 2}))
    opinion = forms.CharField(label=_("Expert opinion"), widget=forms.Textarea(attrs={"rows": 3}))


class FraudForm(StyledForm):
    finding = forms.CharField(label=_("Fraud found"), widget=forms.Textarea(attrs={"rows": 3}))


class StageRadioSelect(forms.RadioSelect):
    """Radio buttons of which some are shown but cannot be picked (``disabled_values``)."""

    disabled_values: frozenset = frozenset()

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex=subindex, attrs=attrs)
        if value in self.disabled_values:
            option["attrs"]["disabled"] = True
        return option


class ExtendDeadlineForm(StyledForm):
    """Which stage's deadline moves, to when, and why. Each stage is shown with its current deadline (and the
    cycle's, when this application's was extended before); a stage whose deadline no longer applies is shown
    but cannot be picked."""

    stage = forms.ChoiceField(label=_("Deadline to extend"), choices=Stage.choices, widget=StageRadioSelect)
    until = forms.DateField(label=_("New deadline"), widget=DateInput)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, application, **kwargs):
        super().__init__(*args, **kwargs)
        over = frozenset(stage.value for stage in Stage if application.state not in deadlines.EXTENDABLE_STATES[stage])
        choices = []
        for stage, label in ((Stage.CITY, _("Cities submit to the province by %(date)s")),
                             (Stage.PROVINCE, _("Provinces submit to the national administration by %(date)s"))):
            current, planned = deadlines.deadline_for(application, stage), deadlines.cycle_deadline(application, stage)
            text = label % {"date": date_format(current)}
            if current != planned:
                text += _(" (extended; the cycle's deadline is %(date)s)") % {"date": date_format(planned)}
            if stage.value in over:
                text += _(" (over: the application has passed this stage)")
            choices.append((stage.value, text))
        self.fields["stage"].choices = choices
        self.fields["stage"].widget.disabled_values = over


class ApplicationFilterForm(StyledForm):
    q = forms.CharField(label=_("City"), required=False)
    cycle = forms.ModelChoiceField(label=_("Cycle"), queryset=None, required=False, empty_label=_("All cycles"))
    kind = forms.ChoiceField(label=_("Procedure"), choices=[("", _("All procedures")), *CycleKind.choices],
                             required=False)
    state = forms.ChoiceField(label=_("State"), choices=[("", _("All states")), *ApplicationState.choices],
                              required=False)

    def __init__(self, *args, cycles=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cycle"].queryset = cycles


class CycleFilterForm(StyledForm):
    kind = forms.ChoiceField(label=_("Procedure"), choices=[("", _("All procedures")), *CycleKind.choices],
                             required=False)
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2008, max_value=2100)
    status = forms.ChoiceField(label=_("Status"), choices=[("", _("Any status")), *CycleStatus.choices],
                               required=False)
