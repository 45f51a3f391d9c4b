"""Filters of the review API's lists (query parameters; each list is also ordered by ``ordering``)."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cities.models import User
from evaluations.models import Cycle
from reviews.enums import AssessmentKind, AssignmentStatus, Outcome
from reviews.models import AnnualAssessment, Assignment, Decision, Review, Rubric


class RubricFilter(django_filters.FilterSet):
    frozen = django_filters.BooleanFilter(field_name="frozen_at", lookup_expr="isnull", exclude=True)

    class Meta:
        model = Rubric
        fields = ["cycle", "frozen"]


class AssignmentFilter(django_filters.FilterSet):
    cycle = django_filters.NumberFilter(field_name="application__cycle")
    status = django_filters.ChoiceFilter(choices=AssignmentStatus.choices)

    class Meta:
        model = Assignment
        fields = ["cycle", "application", "reviewer", "status"]


class ReviewFilter(django_filters.FilterSet):
    cycle = django_filters.NumberFilter(field_name="assignment__application__cycle")
    application = django_filters.NumberFilter(field_name="assignment__application")
    reviewer = django_filters.NumberFilter(field_name="assignment__reviewer")
    submitted = django_filters.BooleanFilter(field_name="submitted_at", lookup_expr="isnull", exclude=True)

    class Meta:
        model = Review
        fields = ["cycle", "application", "reviewer", "submitted"]


class ResultFilter(django_filters.FilterSet):
    class Meta:
        model = Cycle
        fields = ["kind", "year"]


class DecisionFilter(django_filters.FilterSet):
    cycle = django_filters.NumberFilter(field_name="application__cycle")
    outcome = django_filters.ChoiceFilter(choices=Outcome.choices)

    class Meta:
        model = Decision
        fields = ["cycle", "application", "outcome"]


class AssessmentFilter(django_filters.FilterSet):
    city = django_filters.CharFilter(method="by_city", label=_("City name or code"))
    kind = django_filters.ChoiceFilter(choices=AssessmentKind.choices)

    class Meta:
        model = AnnualAssessment
        fields = ["city", "year", "kind"]

    def by_city(self, queryset, name, value):
        return queryset.filter(Q(city__full_name__icontains=value) | Q(city__code__startswith=value))


class ReviewerProfileFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Name, account or employer"))
    available = django_filters.BooleanFilter(method="by_availability", label=_("Available for new assignments"))

    class Meta:
        model = User
        fields = ["q", "available"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(username__icontains=value) | Q(full_name__icontains=value)
                               | Q(reviewer_profile__employer__icontains=value))

    def by_availability(self, queryset, name, value):
        unavailable = Q(reviewer_profile__available=False)
        return queryset.exclude(unavailable) if value else queryset.filter(unavailable)
