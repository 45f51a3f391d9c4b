"""Filter forms for lists (django-filter). They validate input only."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cities.enums import DesignationStatus, Tier
from cities.models import AuditEntry, City
from ipcity.forms import DateInput, StyledForm

NO_TITLE = "none"
ANY_TITLE = "any"


class CityFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Name or code"), method="filter_q")
    province = django_filters.ModelChoiceFilter(label=_("Province"), queryset=None, empty_label=_("All provinces"))
    tier = django_filters.ChoiceFilter(
        label=_("Title"),
        choices=[(ANY_TITLE, _("Any title")), *Tier.choices, (NO_TITLE, _("No title"))],
        empty_label=_("All cities"),
        method="filter_tier",
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=DesignationStatus.choices, empty_label=_("Any status"), field_name="current_status"
    )

    class Meta:
        model = City
        fields: list[str] = []
        form = StyledForm

    def __init__(self, *args, provinces=None, show_province: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["province"].queryset = provinces
        if not show_province:
            del self.filters["province"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(full_name__icontains=value) | Q(code__startswith=value) | Q(name_as_designated__icontains=value))

    def filter_tier(self, queryset, name, value):
        if value == NO_TITLE:
            return queryset.filter(current_tier__isnull=True)
        if value == ANY_TITLE:
            return queryset.filter(current_tier__isnull=False)
        return queryset.filter(current_tier=value)


class AuditFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Object or reason"), method="filter_q")
    actor = django_filters.CharFilter(label=_("Actor"), field_name="actor_name", lookup_expr="iexact")
    action = django_filters.CharFilter(label=_("Action key"), field_name="action", lookup_expr="startswith")
    since = django_filters.DateFilter(
        label=_("From"), field_name="created_at", lookup_expr="date__gte", widget=DateInput()
    )
    until = django_filters.DateFilter(
        label=_("To"), field_name="created_at", lookup_expr="date__lte", widget=DateInput()
    )

    class Meta:
        model = AuditEntry
        fields: list[str] = []
        form = StyledForm

    def filter_q(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(object_repr__icontains=value) | Q(reason__icontains=value)) if value else queryset
