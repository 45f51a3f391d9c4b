"""Sending in-app notifications (the inbox). Callers are services; they pass the recipients."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cities.enums import Role
from cities.models import City, Membership, Notification, User


def notify(recipients: Iterable[User], *, title: str, body: str = "", url: str = "") -> list[Notification]:
    rows = [Notification(recipient=user, title=title[:200], body=body, url=url) for user in {u.pk: u for u in recipients}.values()]
    return Notification.objects.bulk_create(rows)


def users_with_role(role: str, *, city: City | None = None, province_id: int | None = None) -> list[User]:
    """Active users holding ``role`` for a city (city officers) or a province (province staff), or anywhere."""
    memberships = Membership.objects.filter(role=role, is_active=True, user__is_active=True)
    if city is not None and role == Role.CITY_OFFICER:
        memberships = memberships.filter(city=city)
    elif province_id is not None:
        memberships = memberships.filter(province_id=province_id)
    return list(User.objects.filter(Q(pk__in=memberships.values("user_id"))))


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def mark_read(notification: Notification, *, by: User) -> Notification:
    """Mark one of ``by``'s own notifications read (reading one's own inbox is not audited)."""
    if notification.recipient_id != by.pk:
        raise PermissionDenied(_("You may only mark your own notifications as read."))
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def mark_all_read(*, by: User) -> int:
    """Mark every unread notification of ``by`` read; the number marked."""
    return Notification.objects.filter(recipient=by, read_at__isnull=True).update(read_at=timezone.now())
