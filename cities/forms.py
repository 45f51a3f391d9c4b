"""Forms for designation actions. They validate input; the views call the services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ipcity.forms import DateInput, StyledForm

from cities.enums import Tier


class GrantDesignationForm(StyledForm):
    tier = forms.ChoiceField(label=_("Title"), choices=Tier.choices)
    term_start = forms.DateField(label=_("Term start"), widget=DateInput)
    term_end = forms.DateField(
        label=_("Term end"), widget=DateInput, required=False, help_text=_("Leave empty for a 3-year term.")
    )
    document_number = forms.CharField(label=_("Document number"), max_length=80, required=False)
    source_decision = forms.CharField(label=_("Source decision"), max_length=200, required=False)


class RenewDesignationForm(StyledForm):
    term_start = forms.DateField(
        label=_("New term start"), widget=DateInput, required=False,
        help_text=_("Leave empty to start the day after the current term ends."),
    )
    document_number = forms.CharField(label=_("Document number"), max_length=80, required=False)


class RectifyDesignationForm(StyledForm):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
    deadline = forms.DateField(
        label=_("Rectification deadline"), widget=DateInput, required=False, help_text=_("Leave empty for one year from today.")
    )


class RevokeDesignationForm(StyledForm):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
    ban_years = forms.TypedChoiceField(
        label=_("Ban on demonstration applications"),
        coerce=int,
        choices=[(0, _("No ban")), (2, _("2 years (failed second re-review)"))],
        initial=0,
    )
