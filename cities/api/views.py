"""API of places, titles, accounts, tokens, the inbox and the audit log (scoped like the pages)."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from cities import services, tokens
from cities.api import serializers as s
from cities.enums import CityLevel, DesignationStatus, Tier
from cities.models import ApiToken, AuditEntry, City, Designation, Notification
from cities.notifications import mark_all_read, mark_read
from cities.selectors import (
    audit_entries_visible_to,
    cities_visible_to,
    designations_visible_to,
    provinces_visible_to,
    with_current_designation,
)
from ipcity.api import validated


class MeView(APIView):
    @extend_schema(responses=s.MeSerializer, summary="The signed-in user and their roles")
    def get(self, request):
        return Response(s.MeSerializer(request.user).data)


class ProvinceViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.ProvinceSerializer
    lookup_field = "code"
    filterset_fields = ["kind"]
    ordering_fields = ["code", "name"]
    ordering = ["code"]

    def get_queryset(self):
        return provinces_visible_to(self.request.user)


class CityFilter(django_filters.FilterSet):
    province = django_filters.CharFilter(field_name="province__code", label=_("Province code"))
    level = django_filters.ChoiceFilter(choices=CityLevel.choices)
    tier = django_filters.ChoiceFilter(field_name="current_tier", choices=Tier.choices, label=_("Current title"))
    status = django_filters.ChoiceFilter(field_name="current_status", choices=DesignationStatus.choices,
                                         label=_("Status of the current title"))
    designated = django_filters.BooleanFilter(field_name="current_tier", lookup_expr="isnull", exclude=True,
                                              label=_("Holds or held a title"))
    q = django_filters.CharFilter(method="search", label=_("Name or code"))

    class Meta:
        model = City
        fields = ["province", "level", "tier", "status", "designated", "q"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(full_name__icontains=value)
                               | Q(name_as_designated__icontains=value) | Q(code__startswith=value))


class CityViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.CitySerializer
    lookup_field = "code"
    filterset_class = CityFilter
    ordering_fields = ["code", "name", "current_term_end"]
    ordering = ["code"]

    def get_queryset(self):
        return with_current_designation(cities_visible_to(self.request.user))


class DesignationFilter(django_filters.FilterSet):
    city = django_filters.CharFilter(field_name="city__code", label=_("City code"))
    province = django_filters.CharFilter(field_name="city__province__code", label=_("Province code"))
    tier = django_filters.ChoiceFilter(choices=Tier.choices)
    status = django_filters.ChoiceFilter(choices=DesignationStatus.choices)
    term_end_before = django_filters.DateFilter(field_name="term_end", lookup_expr="lte")
    term_end_after = django_filters.DateFilter(field_name="term_end", lookup_expr="gte")

    class Meta:
        model = Designation
        fields = ["city", "province", "tier", "status"]


class DesignationViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Titles. National staff grant (POST), renew, start rectification and revoke them."""

    serializer_class = s.DesignationSerializer
    filterset_class = DesignationFilter
    ordering_fields = ["term_start", "term_end", "created_at"]
    ordering = ["-term_start", "-id"]

    def get_queryset(self):
        return designations_visible_to(self.request.user)

    @extend_schema(request=s.DesignationGrantSerializer, responses={201: s.DesignationSerializer},
                   summary="Grant a title (national staff)")
    def create(self, request, *args, **kwargs):
        data = validated(s.DesignationGrantSerializer, request)
        city = get_object_or_404(cities_visible_to(request.user), code=data.pop("city"))
        designation = services.grant_designation(city, by=request.user, **data)
        return Response(s.DesignationSerializer(designation).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.DesignationRenewSerializer, responses={201: s.DesignationSerializer},
                   summary="Renew for a new term (national staff)")
    @action(detail=True, methods=["post"])
    def renew(self, request, pk=None):
        new = services.renew_designation(self.get_object(), by=request.user,
                                         **validated(s.DesignationRenewSerializer, request))
        return Response(s.DesignationSerializer(new).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.DesignationRectifySerializer, responses=s.DesignationSerializer,
                   summary="Start rectification (national staff)")
    @action(detail=True, methods=["post"])
    def rectify(self, request, pk=None):
        designation = services.start_rectification(self.get_object(), by=request.user,
                                                   **validated(s.DesignationRectifySerializer, request))
        return Response(s.DesignationSerializer(designation).data)

    @extend_schema(request=s.DesignationRevokeSerializer, responses=s.DesignationSerializer,
                   summary="Revoke, optionally with a ban (national staff)")
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        designation = services.revoke_designation(self.get_object(), by=request.user,
                                                  **validated(s.DesignationRevokeSerializer, request))
        return Response(s.DesignationSerializer(designation).data)


class NotificationFilter(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(field_name="read_at", lookup_expr="isnull", label=_("Unread only"))

    class Meta:
        model = Notification
        fields = ["unread"]


class NotificationViewSet(viewsets.ReadOnlyModelViewSet):
    """The signed-in user's inbox."""

    serializer_class = s.NotificationSerializer
    filterset_class = NotificationFilter
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return Notification.objects.filter(recipient_id=getattr(self.request.user, "pk", None))

    @extend_schema(request=None, responses=s.NotificationSerializer, summary="Mark read")
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        return Response(s.NotificationSerializer(mark_read(self.get_object(), by=request.user)).data)

    @extend_schema(request=None, responses=inline_serializer("MarkedRead", {"marked": serializers.IntegerField()}),
                   summary="Mark all read")
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        return Response({"marked": mark_all_read(by=request.user)})


class AuditEntryFilter(django_filters.FilterSet):
    action = django_filters.CharFilter(field_name="action", lookup_expr="startswith")
    actor = django_filters.CharFilter(field_name="actor_name")
    city = django_filters.CharFilter(field_name="city__code")
    since = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    until = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = AuditEntry
        fields = ["action", "actor", "city", "since", "until"]


class AuditEntryViewSet(viewsets.ReadOnlyModelViewSet):
    """The activity log: the audit administrator's alone (everyone else sees an empty list)."""

    serializer_class = s.AuditEntrySerializer
    filterset_class = AuditEntryFilter
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return audit_entries_visible_to(self.request.user)


class ApiTokenViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """The signed-in user's API tokens. The key is returned once, by POST."""

    serializer_class = s.ApiTokenSerializer
    ordering = ["-created_at", "-id"]
    ordering_fields = ["created_at", "last_used_at"]
    filterset_fields = []

    def get_queryset(self):
        return ApiToken.objects.filter(user_id=getattr(self.request.user, "pk", None))

    @extend_schema(request=s.ApiTokenSerializer, responses={201: s.NewApiTokenSerializer}, summary="Create a token")
    def create(self, request, *args, **kwargs):
        data = validated(s.ApiTokenSerializer, request)
        token, key = tokens.create_api_token(request.user, name=data["name"], by=request.user)
        token.key = key
        return Response(s.NewApiTokenSerializer(token).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=s.ApiTokenSerializer, summary="Revoke a token")
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        return Response(s.ApiTokenSerializer(tokens.revoke_api_token(self.get_object(), by=request.user)).data)
