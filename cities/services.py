"""Writes of the foundation. Each service checks permission, validates, writes atomically and audits.

``by=None`` means the system itself (a scheduled task or a management command);
views and the API always pass the signed-in user.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from cities import audit
from cities.enums import (
    BUSINESS_ROLES,
    CURRENT_DESIGNATION_STATUSES,
    EXPIRING_TIERS,
    ROLES_NEEDING_CITY,
    ROLES_NEEDING_PROVINCE,
    THREE_ADMIN_ROLES,
    DesignationStatus,
    Role,
    Tier,
)
from cities.models import City, Designation, Membership, Province, User
from cities.passwords import validate_password_by_administrator
from cities.tokens import revoke_all_api_tokens
from ipcity.dates import add_years, local_today, term_end_for
from ipcity.fieldcrypto import mask_email, mask_phone

# Holding a higher rung ends the lower ones (a pilot that becomes a demonstration city).
TIER_LADDER = [Tier.PILOT, Tier.DEMO_CULTIVATION, Tier.DEMONSTRATION]


def require(by: User | None, perm: str, obj=None) -> None:
    """Raise PermissionDenied unless ``by`` holds ``perm`` (``None`` is the system)."""
    if by is not None and not by.has_perm(perm, obj):
        raise PermissionDenied(_("You do not have permission to do this."))


# --- Designations ----------------------------------------------------------------------


def active_ban(city: City, *, on: dt.date) -> Designation | None:
    """The revoked designation whose ban still runs on ``on``, if any."""
    return (
        city.designations.filter(status=DesignationStatus.REVOKED, ban_until__gt=on).order_by("-ban_until").first()
    )


@transaction.atomic
def grant_designation(
    city: City,
    *,
    tier: str,
    term_start: dt.date,
    term_end: dt.date | None = None,
    document_number: str = "",
    source_decision: str = "",
    title_as_designated: str = "",
    name_as_designated: str = "",
    batch: str = "",
    by: User | None,
    previous: Designation | None = None,
    audit_action: str = "designation.grant",
) -> Designation:
    require(by, "cities.manage_designations")
    tier = Tier(tier)
    term_end = term_end or term_end_for(term_start)
    if term_end < term_start:
        raise ValidationError(_("The term cannot end before it starts."))
    if previous is None:
        current = city.designations.select_for_update().filter(tier=tier, status__in=CURRENT_DESIGNATION_STATUSES)
        if current.exists():
            raise ValidationError(
                _("%(city)s already holds the title %(tier)s; renew it instead of granting it again.")
                % {"city": city, "tier": tier.label}
            )
    if tier == Tier.DEMONSTRATION:
        ban = active_ban(city, on=term_start)
        if ban is not None:
            raise ValidationError(
                _("%(city)s may not receive a demonstration title before %(date)s: its title was revoked after a "
                  "second failed re-review (2018 notice, part 3 (3) 3).")
                % {"city": city, "date": ban.ban_until.isoformat()}
            )
    designation = Designation(
        city=city,
        tier=tier,
        term_start=term_start,
        term_end=term_end,
        document_number=document_number,
        source_decision=source_decision,
        title_as_designated=title_as_designated,
        name_as_designated=name_as_designated or city.full_name,
        batch=batch,
        previous=previous,
        status=DesignationStatus.ACTIVE,
    )
    designation.full_clean()
    designation.save()
    audit.record(
        actor=by,
        action=audit_action,
        obj=designation,
        to_state=designation.status,
        data={"tier": tier.value, "term_start": term_start.isoformat(), "term_end": term_end.isoformat(),
              "document_number": document_number, "previous": previous.pk if previous else None},
    )
    if tier in TIER_LADDER:
        lower = TIER_LADDER[: TIER_LADDER.index(tier)]
        for old in city.designations.filter(tier__in=lower, status__in=CURRENT_DESIGNATION_STATUSES).exclude(
            pk=designation.pk
        ):
            _end(old, status=DesignationStatus.EXPIRED, on=term_start - dt.timedelta(days=1), by=by,
                 action="designation.expire", reason=_("Superseded by %(title)s.") % {"title": tier.label})
    return designation


def _end(designation: Designation, *, status: str, on: dt.date, by: User | None, action: str, reason: str = "",
         extra_fields: tuple[str, ...] = (), data: dict | None = None) -> Designation:
    before = designation.status
    designation.status = status
    designation.ended_on = on
    designation.save(update_fields=["status", "ended_on", *extra_fields])
    audit.record(actor=by, action=action, obj=designation, from_state=before, to_state=status, reason=reason,
                 data=data)
    return designation


@transaction.atomic
def renew_designation(
    designation: Designation,
    *,
    term_start: dt.date | None = None,
    document_number: str = "",
    source_decision: str = "",
    by: User | None,
) -> Designation:
    """A new term of the same title (e.g. after passing re-review). The old row is kept as it was."""
    require(by, "cities.manage_designations")
    designation = Designation.objects.select_for_update().get(pk=designation.pk)
    if designation.status not in CURRENT_DESIGNATION_STATUSES:
        raise ValidationError(
            _("Only an active or rectifying title can be renewed; this one is %(status)s.")
            % {"status": designation.get_status_display()}
        )
    if hasattr(designation, "next_term"):
        raise ValidationError(_("This term has already been renewed."))
    start = term_start or designation.term_end + dt.timedelta(days=1)
    _end(designation, status=DesignationStatus.EXPIRED, on=start - dt.timedelta(days=1), by=by,
         action="designation.renew", reason=_("Renewed for a new term."))
    return grant_designation(
        designation.city,
        tier=designation.tier,
        term_start=start,
        document_number=document_number,
        source_decision=source_decision,
        title_as_designated=designation.title_as_designated,
        batch=designation.batch,
        by=by,
        previous=designation,
    )


@transaction.atomic
def start_rectification(
    designation: Designation, *, reason: str, deadline: dt.date | None = None, by: User | None
) -> Designation:
    """Failed re-review: keep the title for a rectification period (one year by default, S1 三(三)3)."""
    require(by, "cities.manage_designations")
    designation = Designation.objects.select_for_update().get(pk=designation.pk)
    if not reason.strip():
        raise ValidationError(_("A reason is required."))
    if designation.status != DesignationStatus.ACTIVE:
        raise ValidationError(
            _("Only an active title can enter rectification; this one is %(status)s.")
            % {"status": designation.get_status_display()}
        )
    designation.rectification_deadline = deadline or add_years(local_today(), 1)
    designation.status = DesignationStatus.RECTIFYING
    designation.save(update_fields=["status", "rectification_deadline"])
    audit.record(actor=by, action="designation.rectify", obj=designation, from_state=DesignationStatus.ACTIVE,
                 to_state=designation.status, reason=reason,
                 data={"deadline": designation.rectification_deadline.isoformat()})
    return designation


@transaction.atomic
def revoke_designation(
    designation: Designation, *, reason: str, ban_years: int = 0, on: dt.date | None = None, by: User | None
) -> Designation:
    """Take the title away; optionally ban demonstration applications for ``ban_years`` (2 after a failed second re-review)."""
    require(by, "cities.manage_designations")
    designation = Designation.objects.select_for_update().get(pk=designation.pk)
    if not reason.strip():
        raise ValidationError(_("A reason is required."))
    if designation.status not in CURRENT_DESIGNATION_STATUSES:
        raise ValidationError(
            _("Only an active or rectifying title can be revoked; this one is %(status)s.")
            % {"status": designation.get_status_display()}
        )
    if ban_years < 0:
        raise ValidationError(_("The ban cannot be negative."))
    day = on or local_today()
    designation.ban_until = add_years(day, ban_years) if ban_years else None
    return _end(designation, status=DesignationStatus.REVOKED, on=day, by=by, action="designation.revoke",
                reason=reason, extra_fields=("ban_until",),
                data={"ban_until": designation.ban_until.isoformat() if designation.ban_until else None})


def expire_ended_designations(*, today: dt.date | None = None, by: User | None = None) -> int:
    """Mark active pilot and strong-city titles whose term has ended as expired.

    Demonstration titles are not expired by time: they stay until a re-review decides.
    Safe to run any number of times.
    """
    require(by, "cities.manage_designations")
    today = today or local_today()
    count = 0
    for designation_id in Designation.objects.filter(
        status=DesignationStatus.ACTIVE, term_end__lt=today, tier__in=EXPIRING_TIERS
    ).values_list("id", flat=True):
        with transaction.atomic():
            designation = Designation.objects.select_for_update().get(pk=designation_id)
            if designation.status == DesignationStatus.ACTIVE and designation.term_end < today:
                _end(designation, status=DesignationStatus.EXPIRED, on=designation.term_end, by=by,
                     action="designation.expire", reason=_("The term ended."))
                count += 1
    return count


# --- Accounts and roles ----------------------------------------------------------------


@transaction.atomic
def create_user(*, username: str, password: str | None, full_name: str = "", email: str = "",
                must_change_password: bool = False, by: User | None) -> User:
    """A new account. ``must_change_password``: the password is the administrator's, and the account must choose
    its own at the first sign-in (accounts created in the admin); the demo and the first accounts of an
    installation (``create_account``) are created without it."""
    require(by, "cities.add_user")
    user = User(username=username, full_name=full_name, email=email, must_change_password=must_change_password)
    if password:
        validate_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    audit.record(actor=by, action="user.create", obj=user,
                 data={"username": username, "must_change_password": must_change_password})
    return user


@transaction.atomic
def reset_password(user: User, *, password: str, by: User | None) -> User:
    """An administrator gives an account a new password; its owner must choose their own at the next sign-in.
    Every session and API token of the account ends. The policy applies but for the history rule (see
    ``validate_password_by_administrator``); the password is recorded in the history, so the owner cannot keep it."""
    require(by, "cities.change_user", user)
    validate_password_by_administrator(password, user)
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    revoked = end_access(user)
    audit.record(actor=by, action="user.password_reset", obj=user, data={"tokens_revoked": revoked})
    return user


def end_access(user: User) -> int:
    """End every session of ``user`` (the session hash covers ``session_generation``) and revoke their API
    tokens; the number of tokens revoked. Called inside the service that decided it, which audits."""
    User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
    user.refresh_from_db(fields=["session_generation"])
    return revoke_all_api_tokens(user)


@transaction.atomic
def change_own_password(user: User, *, password: str, by: User) -> User:
    """The signed-in user chooses a new password (the page has checked the current one). This ends the
    obligation to change it that an administrator's password (new account or reset) left."""
    if by is None or by.pk != user.pk:
        raise PermissionDenied(_("You do not have permission to do this."))
    validate_password(password, user)
    if user.check_password(password):
        raise ValidationError(_("Choose a password different from the current one."))
    required = user.must_change_password
    user.set_password(password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    audit.record(actor=by, action="auth.password_change", obj=user, data={"required": required})
    return user


def check_membership(user: User, *, role: str, province: Province | None, city: City | None) -> tuple:
    """Validate a role for a user (separation of duties, place) and return the normalised (role, province, city).

    Forms call it to show the message next to the field (each error names its field: ``role``, ``province`` or
    ``city``); ``grant_membership`` calls it again.
    """
    role = Role(role)
    existing = set(Membership.objects.filter(user=user, is_active=True).values_list("role", flat=True)) if user.pk else set()
    if role in THREE_ADMIN_ROLES and existing & THREE_ADMIN_ROLES:
        raise ValidationError({"role": _(
            "Separation of duties: this account already holds an administrator role (%(roles)s).")
            % {"roles": "、".join(str(Role(r).label) for r in sorted(existing & THREE_ADMIN_ROLES))}})
    if (role in THREE_ADMIN_ROLES and existing & BUSINESS_ROLES) or (role in BUSINESS_ROLES and existing & THREE_ADMIN_ROLES):
        raise ValidationError({"role": _("Separation of duties: administrator accounts cannot hold business roles.")})
    if role in ROLES_NEEDING_PROVINCE and (province is None or city is not None):
        raise ValidationError({"province" if province is None else "city": _(
            "Provincial bureau staff must name exactly one province.")})
    if role in ROLES_NEEDING_CITY and city is None:
        raise ValidationError({"city": _("A city bureau officer must name a city.")})
    if role in ROLES_NEEDING_CITY:
        province = city.province
    if role not in ROLES_NEEDING_PROVINCE | ROLES_NEEDING_CITY | {Role.REVIEWER} and (province or city):
        raise ValidationError({"city" if city else "province": _("This role is not tied to a place.")})
    if role == Role.REVIEWER and city is not None and province is None:
        province = city.province
    if role in existing and Membership.objects.filter(user=user, role=role, province=province, city=city,
                                                      is_active=True).exists():
        raise ValidationError({"role": _("The user already holds this role.")})
    return role, province, city


@transaction.atomic
def grant_membership(
    user: User,
    *,
    role: str,
    province: Province | None = None,
    city: City | None = None,
    employer: str = "",
    by: User | None,
) -> Membership:
    require(by, "cities.add_membership")
    User.objects.select_for_update().filter(pk=user.pk).first()  # serialise role changes of one account
    role, province, city = check_membership(user, role=role, province=province, city=city)
    membership, created = Membership.objects.get_or_create(
        user=user, role=role, province=province, city=city, defaults={"employer": employer}
    )
    if not created:
        membership.is_active = True
        membership.employer = employer
        membership.save(update_fields=["is_active", "employer"])
    audit.record(actor=by, action="membership.grant", obj=user, to_state=role, city=city,
                 data={"role": role.value, "province": province.code if province else None,
                       "city": city.code if city else None})
    user.forget_memberships()
    return membership


@transaction.atomic
def revoke_membership(membership: Membership, *, reason: str = "", by: User | None) -> Membership:
    require(by, "cities.change_membership")
    if not membership.is_active:
        raise ValidationError(_("This role is already revoked."))
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    end_access(membership.user)
    audit.record(actor=by, action="membership.revoke", obj=membership.user, from_state=membership.role,
                 reason=reason, city=membership.city, data={"role": membership.role})
    membership.user.forget_memberships()
    return membership


# --- Reference data and accounts edited in the admin ----------------------------------


@transaction.atomic
def update_place(place: Province | City, *, changes: dict, by: User | None) -> Province | City:
    """Edit a province's or city's reference data (names, level, parent)."""
    require(by, "cities.change_places")
    before = {name: str(getattr(place, name)) for name in changes}
    for name, value in changes.items():
        setattr(place, name, value)
    place.full_clean()
    place.save(update_fields=list(changes))
    audit.record(actor=by, action="place.update", obj=place,
                 data={"before": before, "after": {name: str(getattr(place, name)) for name in changes}})
    return place


# The audit log is never re-encrypted: it keeps the personal data stored encrypted only masked.
_MASKED_IN_LOG = {"email": mask_email, "phone": mask_phone}


def _logged_value(user: User, name: str) -> str:
    value = str(getattr(user, name))
    return _MASKED_IN_LOG[name](value) if name in _MASKED_IN_LOG else value


@transaction.atomic
def update_user(user: User, *, changes: dict, by: User | None) -> User:
    """Edit an account's profile fields or deactivate it (system administrator)."""
    require(by, "cities.change_user")
    allowed = {"full_name", "email", "phone", "is_active", "first_name", "last_name"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(_("These fields cannot be changed here: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    before = {name: _logged_value(user, name) for name in changes}
    for name, value in changes.items():
        setattr(user, name, value)
    user.full_clean(exclude=["password"])
    user.save(update_fields=list(changes))
    data = {"before": before, "after": {name: _logged_value(user, name) for name in changes}}
    if before.get("is_active") == "True" and not user.is_active:
        data["tokens_revoked"] = end_access(user)  # disabled: its sessions end now, for good
    audit.record(actor=by, action="user.update", obj=user, data=data)
    return user
