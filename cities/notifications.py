"""Sending in-app notifications (the inbox). Callers are services; they pass the recipients."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

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
