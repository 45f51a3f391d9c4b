"""Reviewer profiles: expertise, affiliation and availability, edited by national staff or imported from Excel.

A reviewer without a stored profile is described by their reviewer membership (province, city, employer),
so conflicts of interest are checked from the first day an account exists.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass, field

import openpyxl
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from cities import audit
from cities.enums import Role
from cities.models import City, Membership, Province, User
from cities.services import require
from evaluations.imports import cell_error, cell_text, open_sheet
from ipcity.xlsx import finish_sheet
from reviews.models import ReviewerProfile

# The columns of the reviewer workbook, in order; the import checks the header row against them.
COLUMNS = ("账号", "姓名", "专业领域（以、分隔）", "所在省份", "所在城市", "工作单位", "职称", "是否可用")
SHEET_TITLE = "评审专家"
WORKBOOK_WIDTHS = (14, 10, 36, 12, 16, 28, 14, 10)
MAX_ROWS = 2000
MAX_AREAS = 20
MAX_AREA_CHARS = 40
AREA_SEPARATORS = re.compile(r"[、，,；;／/\n]+")
YES = frozenset({"是", "可用", "y", "yes", "true", "1", "√"})
NO = frozenset({"否", "不可用", "n", "no", "false", "0", "×"})


# --- Reading profiles ---------------------------------------------------------------------


def reviewers() -> QuerySet[User]:
    """Active users holding an active reviewer membership, with what profiles and conflicts read.

    ``reviewer_memberships`` is prefetched on each user, so ``profile_for`` and ``conflict_reasons`` make
    no further query for them.
    """
    memberships = Membership.objects.filter(role=Role.REVIEWER, is_active=True).select_related(
        "province", "city__province").order_by("id")
    return (User.objects.filter(is_active=True, pk__in=Membership.objects.filter(
        role=Role.REVIEWER, is_active=True).values("user_id"))
        .select_related("reviewer_profile__province", "reviewer_profile__city")
        .prefetch_related(Prefetch("memberships", queryset=memberships, to_attr="reviewer_memberships"))
        .order_by("username"))


def reviewer_memberships(user: User) -> list[Membership]:
    prefetched = getattr(user, "reviewer_memberships", None)
    if prefetched is not None:
        return prefetched
    return [m for m in user.active_memberships if m.role == Role.REVIEWER]


def stored_profile(user: User) -> ReviewerProfile | None:
    try:
        return user.reviewer_profile
    except ReviewerProfile.DoesNotExist:
        return None


def profile_for(user: User) -> ReviewerProfile:
    """The stored profile, or an unsaved one built from the reviewer membership's province, city and employer."""
    profile = stored_profile(user)
    if profile is not None:
        return profile
    profile = ReviewerProfile(user=user)
    membership = next(iter(reviewer_memberships(user)), None)
    if membership is not None:
        profile.city = membership.city
        profile.province = membership.province or (membership.city.province if membership.city else None)
        profile.employer = membership.employer
    return profile


def affiliation_of(user: User) -> tuple[list[Province], list[City]]:
    """Provinces and employer cities the conflict rules compare. Each comes from the profile when it names
    one, else from every reviewer membership (an emptied profile field never hides a membership's place)."""
    profile = stored_profile(user)
    memberships = reviewer_memberships(user)
    if profile is not None and profile.province_id:
        provinces = [profile.province]
    else:
        provinces = [m.province or m.city.province for m in memberships if m.province_id or m.city_id]
    if profile is not None and profile.city_id:
        cities = [profile.city]
    else:
        cities = [m.city for m in memberships if m.city_id]
    return provinces, cities


# --- Writing profiles ---------------------------------------------------------------------


def clean_expertise(expertise) -> list[str]:
    """Areas as a list of distinct, trimmed words; a string is split at 、 , ; and new lines."""
    if isinstance(expertise, str):
        expertise = [expertise]
    areas: list[str] = []
    for item in expertise or []:
        for area in AREA_SEPARATORS.split(str(item)):
            area = area.strip()
            if area and area not in areas:
                areas.append(area)
    if len(areas) > MAX_AREAS:
        raise ValidationError(_("At most %(n)s expertise areas.") % {"n": MAX_AREAS})
    too_long = [area for area in areas if len(area) > MAX_AREA_CHARS]
    if too_long:
        raise ValidationError(_("An expertise area has at most %(n)s characters: “%(area)s”.")
                              % {"n": MAX_AREA_CHARS, "area": too_long[0]})
    return areas


def _snapshot(profile: ReviewerProfile) -> dict:
    return {"expertise": list(profile.expertise), "province": profile.province.name if profile.province else "",
            "city": profile.city.full_name if profile.city else "", "employer": profile.employer,
            "title": profile.title, "available": profile.available}


def _save_profile(user: User, *, expertise, province: Province | None, city: City | None, employer: str,
                  title: str, available: bool, by, action: str) -> ReviewerProfile:
    if not user.has_role(Role.REVIEWER):
        raise ValidationError(_("%(user)s does not hold the reviewer role.") % {"user": user.get_username()})
    areas = clean_expertise(expertise)
    if city is not None:
        if province is None:
            province = city.province
        elif city.province_id != province.pk:
            raise ValidationError(_("%(city)s is not in %(province)s.") % {"city": city.full_name,
                                                                            "province": province.name})
    profile = ReviewerProfile.objects.select_for_update().filter(user=user).first()
    before = _snapshot(profile) if profile is not None else {}
    if profile is None:
        profile = ReviewerProfile(user=user)
    profile.expertise = areas
    profile.province, profile.city = province, city
    profile.employer, profile.title, profile.available = employer.strip(), title.strip(), bool(available)
    profile.full_clean()
    profile.save()
    user.reviewer_profile = profile
    audit.record(actor=by, action=action, obj=profile, data={"reviewer": user.get_username(), "before": before,
                                                             "after": _snapshot(profile)})
    return profile


@transaction.atomic
def upsert_reviewer_profile(user: User, *, expertise, province: Province | None = None, city: City | None = None,
                            employer: str = "", title: str = "", available: bool = True, by) -> ReviewerProfile:
    """Create or update a reviewer's profile (national staff)."""
    require(by, "reviews.manage_assignments")
    return _save_profile(user, expertise=expertise, province=province, city=city, employer=employer, title=title,
                         available=available, by=by, action="assignment.profile")


# --- Excel ---------------------------------------------------------------------------------


@dataclass
class ReviewerImportResult:
    errors: list[str] = field(default_factory=list)
    profiles: list[ReviewerProfile] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _norm(value) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", cell_text(value)))


def reviewers_workbook(users) -> bytes:
    """The reviewers as the import reads them (also the blank template when ``users`` is empty)."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = SHEET_TITLE
    sheet.append(list(COLUMNS))
    for user in users:
        profile = profile_for(user)
        sheet.append([user.get_username(), user.full_name, "、".join(profile.expertise),
                      profile.province.name if profile.province else "",
                      profile.city.full_name if profile.city else "", profile.employer, profile.title,
                      "是" if profile.available else "否"])
    finish_sheet(sheet, widths=WORKBOOK_WIDTHS)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


class _Lookup:
    """Accounts, provinces and cities named in the file, loaded in three queries."""

    def __init__(self, usernames: set[str], city_names: set[str]):
        self.users = {u.get_username(): u for u in reviewers().filter(username__in=usernames)}
        self.known = set(User.objects.filter(username__in=usernames).values_list("username", flat=True))
        self.provinces: dict[str, Province] = {}
        for province in Province.objects.all():
            self.provinces[_norm(province.name)] = province
            self.provinces.setdefault(_norm(province.short_name), province)
        self.cities = list(City.objects.filter(Q(full_name__in=city_names) | Q(name__in=city_names))
                           .select_related("province"))

    def city(self, text: str, province: Province | None) -> tuple[City | None, str | None]:
        matches = [c for c in self.cities if text in (_norm(c.full_name), _norm(c.name))
                   and (province is None or c.province_id == province.pk)]
        exact = [c for c in matches if _norm(c.full_name) == text]
        if len(exact) == 1 or len(matches) == 1:
            return (exact or matches)[0], None
        if not matches:
            if province is not None:
                return None, _("no city “%(value)s” in %(province)s") % {"value": text, "province": province.name}
            return None, _("no city “%(value)s”") % {"value": text}
        return None, _("“%(value)s” names several cities; give the province or the full name") % {"value": text}


def _read_row(cells, lookup: _Lookup, seen: dict[str, int]) -> tuple[dict | None, list[str]]:
    errors = []
    row = cells[0].row

    def error(column: int, message: str):
        errors.append(cell_error(f"{'ABCDEFGH'[column]}{row}", message))

    for column, cell in enumerate(cells):
        if isinstance(cell.value, str) and cell.value.startswith("="):
            error(column, _("formulas are not accepted, enter the value"))
    if errors:
        return None, errors
    texts = [cell_text(cell.value).strip() for cell in cells]
    username, name, areas, province_text, city_text, employer, title, available_text = texts
    user = lookup.users.get(username)
    if not username:
        error(0, _("the account is required"))
    elif username in seen:
        error(0, _("“%(value)s” is already in row %(row)s") % {"value": username, "row": seen[username]})
    elif user is None:
        error(0, (_("“%(value)s” does not hold the reviewer role") if username in lookup.known
                  else _("no account “%(value)s”")) % {"value": username})
    seen.setdefault(username, row)
    if user is not None and name and _norm(name) not in (_norm(user.full_name), _norm(username)):
        error(1, _("the name does not match the account (%(name)s)") % {"name": user.full_name})
    try:
        expertise = clean_expertise(areas)
    except ValidationError as exc:
        error(2, exc.messages[0])
        expertise = []
    province = lookup.provinces.get(_norm(province_text)) if province_text else None
    if province_text and province is None:
        error(3, _("no province “%(value)s”") % {"value": province_text})
    city = None
    if city_text and not (province_text and province is None):
        city, problem = lookup.city(_norm(city_text), province)
        if problem:
            error(4, problem)
    for column, text, limit in ((5, employer, 120), (6, title, 60)):
        if len(text) > limit:
            error(column, _("at most %(n)s characters") % {"n": limit})
    flag = _norm(available_text).lower()
    if flag and flag not in YES | NO:
        error(7, _("should be 是 or 否, got “%(value)s”") % {"value": available_text})
    if errors:
        return None, errors
    return {"user": user, "expertise": expertise, "province": province, "city": city, "employer": employer,
            "title": title, "available": flag not in NO}, []


def import_reviewers(file, *, by) -> ReviewerImportResult:
    """Create or update the profiles in an uploaded workbook: all of them, or none when any cell is wrong."""
    require(by, "reviews.manage_assignments")
    ws, problem = open_sheet(file)
    if problem:
        return ReviewerImportResult(errors=[problem])
    errors = []
    header = [cell.value for cell in next(ws.iter_rows(min_row=1, max_row=1, max_col=len(COLUMNS)), ())]
    header += [None] * (len(COLUMNS) - len(header))
    for column, (expected, value) in enumerate(zip(COLUMNS, header)):
        if _norm(value) != _norm(expected):
            errors.append(cell_error(f"{'ABCDEFGH'[column]}1", _("the column should be “%(expected)s”, found "
                                                                  "“%(value)s”") % {"expected": expected,
                                                                                    "value": cell_text(value)}))
    if errors:
        return ReviewerImportResult(errors=errors)
    rows = [cells for cells in ws.iter_rows(min_row=2, max_row=min(ws.max_row, MAX_ROWS), max_col=len(COLUMNS))
            if any(cell_text(cell.value).strip() for cell in cells)]
    if not rows:
        return ReviewerImportResult(errors=[_("the file holds no reviewers below its header row")])
    lookup = _Lookup({cell_text(cells[0].value).strip() for cells in rows},
                     {_norm(cells[4].value) for cells in rows if cells[4].value is not None})
    parsed, seen = [], {}
    for cells in rows:
        data, row_errors = _read_row(cells, lookup, seen)
        errors += row_errors
        if data is not None:
            parsed.append(data)
    if errors:
        return ReviewerImportResult(errors=errors)
    with transaction.atomic():
        profiles = [_save_profile(by=by, action="assignment.profile_import", **data) for data in parsed]
    return ReviewerImportResult(profiles=profiles)
