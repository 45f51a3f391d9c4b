"""Every role, level, tier and status of the foundation, with named groups beside them."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Role(models.TextChoices):
    NATIONAL_ADMIN = "national_admin", _("National administrator (CNIPA)")
    REVIEWER = "reviewer", _("Expert reviewer")
    PROVINCE_STAFF = "province_staff", _("Provincial bureau staff")
    CITY_OFFICER = "city_officer", _("City bureau officer")
    SYSTEM_ADMIN = "system_admin", _("System administrator")
    SECURITY_ADMIN = "security_admin", _("Security administrator")
    AUDIT_ADMIN = "audit_admin", _("Audit administrator")


# 三员: separation of duties. No account may hold two of these, nor any business role.
THREE_ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})
# Roles that must sign in with a second factor (TOTP) while TWO_FACTOR_ENFORCED is on; optional for the others.
SECOND_FACTOR_REQUIRED_ROLES = frozenset({Role.NATIONAL_ADMIN}) | THREE_ADMIN_ROLES
BUSINESS_ROLES = frozenset({Role.NATIONAL_ADMIN, Role.REVIEWER, Role.PROVINCE_STAFF, Role.CITY_OFFICER})
# Roles whose membership names the place they act for.
ROLES_NEEDING_PROVINCE = frozenset({Role.PROVINCE_STAFF})
ROLES_NEEDING_CITY = frozenset({Role.CITY_OFFICER})


class ProvinceKind(models.TextChoices):
    PROVINCE = "province", pgettext_lazy("province kind", "Province")
    AUTONOMOUS_REGION = "autonomous_region", _("Autonomous region")
    MUNICIPALITY = "municipality", _("Municipality directly under the central government")
    CORPS = "corps", _("Xinjiang Production and Construction Corps")


class CityLevel(models.TextChoices):
    SUB_PROVINCIAL = "sub_provincial", _("Sub-provincial city")
    SEPARATELY_PLANNED = "separately_planned", _("City specifically designated in the state plan")
    PREFECTURE = "prefecture", _("Prefecture-level city")
    AUTONOMOUS_PREFECTURE = "autonomous_prefecture", _("Autonomous prefecture, region or league")
    COUNTY_LEVEL = "county_level", _("County-level city")
    MUNICIPAL_DISTRICT = "municipal_district", _("District of a municipality")
    DISTRICT = "district", _("District of a prefecture-level city")


# The 2018 notice (S1 一(一)) opens PILOT applications to these levels.
PILOT_ELIGIBLE_LEVELS = frozenset(
    {CityLevel.SEPARATELY_PLANNED, CityLevel.SUB_PROVINCIAL, CityLevel.PREFECTURE, CityLevel.MUNICIPAL_DISTRICT}
)
# Ranking groups used by the 2013 annual assessment (副省级 / 地级 / 县级 and 直辖市所辖区).
LEVEL_GROUPS = {
    CityLevel.SUB_PROVINCIAL: "sub_provincial",
    CityLevel.SEPARATELY_PLANNED: "sub_provincial",
    CityLevel.PREFECTURE: "prefecture",
    CityLevel.AUTONOMOUS_PREFECTURE: "prefecture",
    CityLevel.COUNTY_LEVEL: "county",
    CityLevel.MUNICIPAL_DISTRICT: "county",
    CityLevel.DISTRICT: "county",
}


class Tier(models.TextChoices):
    PILOT = "pilot", _("Pilot city")
    DEMO_CULTIVATION = "demo_cultivation", _("Demonstration cultivation")
    DEMONSTRATION = "demonstration", _("Demonstration city")
    STRONG_CITY_CANDIDATE = "strong_city_candidate", _("Strong-city candidate")


class DesignationStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    RECTIFYING = "rectifying", _("Rectifying")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")


# A designation in one of these states still gives the city its title.
CURRENT_DESIGNATION_STATUSES = frozenset({DesignationStatus.ACTIVE, DesignationStatus.RECTIFYING})

# Tiers whose title lapses when the term ends. A demonstration city keeps its title
# after its 3-year term until a re-review decides (S1 三(三)3: pass keeps it, a second
# failure revokes it); demonstration cultivation lasts until the city is designated.
EXPIRING_TIERS = frozenset({Tier.PILOT, Tier.STRONG_CITY_CANDIDATE})


class PasswordChangeReason(models.TextChoices):
    """Why an account must set a new password before it may do anything else."""

    SET_BY_ADMINISTRATOR = "set_by_administrator", _("Set by an administrator")
    EXPIRED = "expired", _("Expired")
