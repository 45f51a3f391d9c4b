from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from cities.audit import action_label
from cities.enums import Role, Tier
from cities.models import ApiToken, AuditEntry, City, Designation, Notification, Province, User


class ProvinceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Province
        fields = ["id", "code", "name", "short_name", "kind"]


class CitySerializer(serializers.ModelSerializer):
    province = serializers.SlugRelatedField(slug_field="code", read_only=True)
    province_name = serializers.CharField(source="province.name", read_only=True)
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    current_tier = serializers.CharField(read_only=True, allow_null=True, help_text=_("Most recent title"))
    current_status = serializers.CharField(read_only=True, allow_null=True)
    current_term_end = serializers.DateField(read_only=True, allow_null=True)

    class Meta:
        model = City
        fields = ["id", "code", "name", "full_name", "name_as_designated", "level", "province", "province_name",
                  "parent", "current_tier", "current_status", "current_term_end"]


class DesignationSerializer(serializers.ModelSerializer):
    city = serializers.SlugRelatedField(slug_field="code", read_only=True)
    city_name = serializers.CharField(source="city.full_name", read_only=True)
    province = serializers.CharField(source="city.province.code", read_only=True)

    class Meta:
        model = Designation
        fields = ["id", "city", "city_name", "province", "tier", "title_as_designated", "name_as_designated", "batch",
                  "term_start", "term_end", "document_number", "status", "rectification_deadline", "ban_until",
                  "ended_on", "source_decision", "created_at"]


class DesignationGrantSerializer(serializers.Serializer):
    city = serializers.CharField(max_length=6, help_text=_("Administrative code of the city"))
    tier = serializers.ChoiceField(choices=Tier.choices)
    term_start = serializers.DateField()
    term_end = serializers.DateField(required=False, allow_null=True)
    document_number = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")
    source_decision = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    title_as_designated = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")
    batch = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")


class DesignationRenewSerializer(serializers.Serializer):
    term_start = serializers.DateField(required=False, allow_null=True)
    document_number = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")
    source_decision = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class DesignationRectifySerializer(serializers.Serializer):
    reason = serializers.CharField()
    deadline = serializers.DateField(required=False, allow_null=True)


class DesignationRevokeSerializer(serializers.Serializer):
    reason = serializers.CharField()
    ban_years = serializers.IntegerField(min_value=0, max_value=10, required=False, default=0)
    on = serializers.DateField(required=False, allow_null=True)


class MembershipSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)
    province = serializers.CharField(source="province.code", allow_null=True, default=None)
    city = serializers.CharField(source="city.code", allow_null=True, default=None)


class MeSerializer(serializers.ModelSerializer):
    memberships = MembershipSerializer(source="active_memberships", many=True, read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "full_name", "email", "memberships"]


class NotificationSerializer(serializers.ModelSerializer):
    is_read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "title", "body", "url", "created_at", "read_at", "is_read"]

    def get_is_read(self, obj) -> bool:
        return obj.read_at is not None


class AuditEntrySerializer(serializers.ModelSerializer):
    action_label = serializers.SerializerMethodField()
    object_type = serializers.SerializerMethodField()
    city = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = AuditEntry
        fields = ["id", "created_at", "actor", "actor_name", "action", "action_label", "object_type", "object_id",
                  "object_repr", "from_state", "to_state", "reason", "data", "ip", "city"]

    def get_action_label(self, obj) -> str:
        return str(action_label(obj.action))

    def get_object_type(self, obj) -> str | None:
        return obj.content_type.model if obj.content_type_id else None


class ApiTokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "revoked_at", "expires_at"]
        read_only_fields = ["prefix", "created_at", "last_used_at", "revoked_at", "expires_at"]


class NewApiTokenSerializer(ApiTokenSerializer):
    key = serializers.CharField(read_only=True, help_text=_("The key: shown only in this response."))

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "key"]
