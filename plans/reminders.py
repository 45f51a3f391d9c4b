"""Deadline reminders: one periodic sweep over every open deadline, each reminder sent exactly once.

How it works
------------
Each kind of deadline plugs in a *source* (``@deadline_source(kind)``): a function that returns a
``Deadline`` for everything still open with a due date in a window. ``sweep`` runs every few minutes
(Celery beat, ``plans.sweep_deadlines``). For each deadline and each of its recipients it sends at
most one reminder per offset (``IPCITY["REMINDER_OFFSETS"]``, days before the due date; negative
means after). A sent reminder is a ``Reminder`` row whose unique ``key`` is
(kind, object, due date, offset, recipient), so a second sweep, or two sweeps at once, send nothing
new: the row is inserted first and an ``IntegrityError`` means someone already sent it.

Only the *current* offset is ever sent: the latest offset whose day has come (today ≥ due − offset).
When the scheduler was down and several offsets passed meanwhile, the next sweep sends the current
one only; the older ones are not recorded and can never be sent later, because the current offset
of a given due date only moves towards later offsets as time passes (an offset, once superseded,
is never current again). If a due date changes (an extension), the key changes too and the
reminders start over for the new date. A current offset whose day is more than
``IPCITY["REMINDER_MAX_LATE_DAYS"]`` (default 30) days ago is stale and is not sent either, so that
long-forgotten deadlines (an old list loaded as data, a sweeper down for months) do not flood
everyone with reminders at once.

Overdue offsets (negative) also go to the level above, as ``escalated=True`` reminders. A source
gives the levels in order: the first overdue offset goes to the first level, the second to the
first two, and so on (a city's responsibility item: province staff after 1 day, the national
administration too after 7 days).

Channels: the in-app inbox (``cities.notifications.notify``) in the same transaction as the row;
then, after commit, an e-mail when the user has an address and has not turned e-mail off. A user
who turned deadline reminders off gets none, and no row is written for them.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cities.enums import DesignationStatus, Role
from cities.models import City, Designation, User
from cities.notifications import notify, users_with_role
from evaluations.deadlines import deadline_for
from evaluations.enums import ApplicationState, CycleStatus, Stage
from evaluations.models import Application
from ipcity.dates import SHANGHAI
from plans.enums import OPEN_ITEM_STATUSES, ReminderKind
from plans.models import NotificationPreference, Reminder, ResponsibilityItem
from plans.workdays import describe_deadline
from reviews.enums import AssignmentStatus
from reviews.models import Assignment
from reviews.services.assignments import reviewable_states

log = logging.getLogger(__name__)

DEFAULT_OFFSETS = (14, 7, 3, 1, -1, -7)
DEFAULT_MAX_LATE_DAYS = 30
PENDING_ASSIGNMENT_STATUSES = (AssignmentStatus.ASSIGNED, AssignmentStatus.OPENED)


# --- what a source returns ------------------------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    """One open deadline: who must act, who is above them, and what to show."""

    kind: str
    object_id: int
    due_date: dt.date
    recipients: tuple[User, ...]
    title: str
    url: str = ""
    # Levels above, in order: the n-th overdue offset goes to the first n levels.
    escalation: tuple[tuple[User, ...], ...] = field(default_factory=tuple)


class DeadlineSource(Protocol):
    def __call__(self, *, start: dt.date, end: dt.date, people: People) -> Iterable[Deadline]:
        """Every open deadline of one kind due between ``start`` and ``end`` (both included)."""


SOURCES: dict[str, DeadlineSource] = {}


def deadline_source(kind: str) -> Callable[[DeadlineSource], DeadlineSource]:
    """Register the source of one ``ReminderKind``."""

    def register(source: DeadlineSource) -> DeadlineSource:
        SOURCES[kind] = source
        return source

    return register


class People:
    """The recipients of one sweep, each group looked up once (``users_with_role``)."""

    def __init__(self) -> None:
        self._cache: dict[tuple, tuple[User, ...]] = {}

    def _get(self, key: tuple, load: Callable[[], list[User]]) -> tuple[User, ...]:
        if key not in self._cache:
            self._cache[key] = tuple(sorted(load(), key=lambda user: user.pk))
        return self._cache[key]

    def city_officers(self, city: City) -> tuple[User, ...]:
        return self._get(("city", city.pk), lambda: users_with_role(Role.CITY_OFFICER, city=city))

    def province_staff(self, province_id: int) -> tuple[User, ...]:
        return self._get(("province", province_id),
                         lambda: users_with_role(Role.PROVINCE_STAFF, province_id=province_id))

    def national_admins(self) -> tuple[User, ...]:
        return self._get(("national",), lambda: users_with_role(Role.NATIONAL_ADMIN))


def _link(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:  # the page is not installed (yet)
        return ""


def _short(text: str, length: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1] + "…"


# --- the sources ------------------------------------------------------------------------------------


@deadline_source(ReminderKind.RESPONSIBILITY_ITEM)
def responsibility_items(*, start: dt.date, end: dt.date, people: People) -> Iterable[Deadline]:
    """Items of a city's list not yet reported completed or verified: the city; then province, then CNIPA."""
    items = (ResponsibilityItem.objects.filter(status__in=OPEN_ITEM_STATUSES, due_date__range=(start, end))
             .select_related("list__city").order_by("due_date", "pk"))
    for item in items:
        city = item.list.city
        yield Deadline(
            kind=ReminderKind.RESPONSIBILITY_ITEM, object_id=item.pk, due_date=item.due_date,
            recipients=people.city_officers(city),
            escalation=(people.province_staff(city.province_id), people.national_admins()),
            title=_("%(city)s %(year)s responsibility list, item %(number)s: %(task)s") % {
                "city": city.name, "year": item.list.year, "number": item.number, "task": _short(item.task)},
            url=_link("item_detail", item.pk) or _link("city_detail", city.code),
        )


@deadline_source(ReminderKind.RECTIFICATION)
def rectifications(*, start: dt.date, end: dt.date, people: People) -> Iterable[Deadline]:
    """Titles under rectification: the city; overdue, the province and CNIPA at once."""
    designations = (Designation.objects.filter(status=DesignationStatus.RECTIFYING,
                                               rectification_deadline__range=(start, end))
                    .select_related("city").order_by("rectification_deadline", "pk"))
    for designation in designations:
        city = designation.city
        yield Deadline(
            kind=ReminderKind.RECTIFICATION, object_id=designation.pk, due_date=designation.rectification_deadline,
            recipients=people.city_officers(city),
            escalation=(people.province_staff(city.province_id) + people.national_admins(),),
            title=_("Rectification of %(city)s as %(tier)s") % {
                "city": city.name, "tier": designation.get_tier_display()},
            url=_link("city_detail", city.code),
        )


def _open_applications(state: str, extension: str, cycle_deadline: str, start: dt.date, end: dt.date):
    return (Application.objects.filter(cycle__status=CycleStatus.OPEN, state=state)
            .annotate(due=Coalesce(extension, F(cycle_deadline))).filter(due__range=(start, end))
            .select_related("cycle", "city").order_by("due", "pk"))


@deadline_source(ReminderKind.CYCLE_CITY)
def cycle_city_deadlines(*, start: dt.date, end: dt.date, people: People) -> Iterable[Deadline]:
    """Draft applications of open cycles wait for the city (its extension counts); overdue, the province."""
    for application in _open_applications(ApplicationState.DRAFT, "city_deadline_extension",
                                           "cycle__city_deadline", start, end):
        city = application.city
        yield Deadline(
            kind=ReminderKind.CYCLE_CITY, object_id=application.pk,
            due_date=deadline_for(application, Stage.CITY),
            recipients=people.city_officers(city),
            escalation=(people.province_staff(city.province_id),),
            title=_("Application of %(city)s to %(cycle)s: submit it to the province") % {
                "city": city.name, "cycle": application.cycle.title},
            url=_link("application_detail", application.pk),
        )


@deadline_source(ReminderKind.CYCLE_PROVINCE)
def cycle_province_deadlines(*, start: dt.date, end: dt.date, people: People) -> Iterable[Deadline]:
    """Submitted applications of open cycles wait for the province; overdue, CNIPA."""
    for application in _open_applications(ApplicationState.SUBMITTED, "province_deadline_extension",
                                           "cycle__province_deadline", start, end):
        city = application.city
        yield Deadline(
            kind=ReminderKind.CYCLE_PROVINCE, object_id=application.pk,
            due_date=deadline_for(application, Stage.PROVINCE),
            recipients=people.province_staff(city.province_id),
            escalation=(people.national_admins(),),
            title=_("Application of %(city)s to %(cycle)s: recommend it or decline") % {
                "city": city.name, "cycle": application.cycle.title},
            url=_link("application_detail", application.pk),
        )


@deadline_source(ReminderKind.REVIEW_ASSIGNMENT)
def review_assignments(*, start: dt.date, end: dt.date, people: People) -> Iterable[Deadline]:
    """Reviews not yet submitted of applications still under review: the expert; overdue, CNIPA."""
    assignments = (Assignment.objects.filter(status__in=PENDING_ASSIGNMENT_STATUSES, due_date__range=(start, end),
                                             reviewer__is_active=True)
                   .select_related("reviewer", "application__cycle", "application__city")
                   .order_by("due_date", "pk"))
    for assignment in assignments:
        application = assignment.application
        if application.state not in reviewable_states(application.cycle):
            continue
        yield Deadline(
            kind=ReminderKind.REVIEW_ASSIGNMENT, object_id=assignment.pk, due_date=assignment.due_date,
            recipients=(assignment.reviewer,),
            escalation=(people.national_admins(),),
            title=_("Review of %(city)s in %(cycle)s") % {"city": application.city.name,
                                                          "cycle": application.cycle.title},
            url=_link("review_score", assignment.pk),
        )


# --- the sweep --------------------------------------------------------------------------------------


def reminder_offsets() -> tuple[int, ...]:
    """The configured offsets, earliest first (14, 7, 3, 1, -1, -7)."""
    configured = settings.IPCITY.get("REMINDER_OFFSETS", DEFAULT_OFFSETS)
    return tuple(sorted({int(offset) for offset in configured}, reverse=True))


def current_offset(due_date: dt.date, today: dt.date, offsets: Sequence[int]) -> int | None:
    """The latest offset whose day has come (today ≥ due − offset), or None before the first one."""
    come = [offset for offset in offsets if today >= due_date - dt.timedelta(days=offset)]
    return min(come) if come else None


def reminder_key(kind: str, object_id: int, due_date: dt.date, offset: int, user_id: int) -> str:
    return f"{kind}:{object_id}:{due_date.isoformat()}:{offset}:{user_id}"


@dataclass(frozen=True)
class _Planned:
    deadline: Deadline
    offset: int
    user: User
    escalated: bool

    @property
    def key(self) -> str:
        d = self.deadline
        return reminder_key(d.kind, d.object_id, d.due_date, self.offset, self.user.pk)


def _planned(deadline: Deadline, *, today: dt.date, offsets: Sequence[int], max_late: int) -> list[_Planned]:
    offset = current_offset(deadline.due_date, today, offsets)
    if offset is None:
        return []
    if (today - (deadline.due_date - dt.timedelta(days=offset))).days > max_late:
        return []  # stale: its day is long past
    rows = {user.pk: _Planned(deadline, offset, user, False) for user in deadline.recipients}
    if offset < 0 and deadline.escalation:
        overdue = [o for o in offsets if o < 0]
        levels = deadline.escalation[: overdue.index(offset) + 1]
        for level in levels:
            for user in level:
                rows.setdefault(user.pk, _Planned(deadline, offset, user, True))
    return list(rows.values())


def _message(deadline: Deadline, *, today: dt.date, escalated: bool) -> tuple[str, str]:
    days = (deadline.due_date - today).days
    values = {"title": deadline.title, "days": abs(days)}
    if days > 0:
        title = ngettext("Due in %(days)s day: %(title)s", "Due in %(days)s days: %(title)s", days) % values
    elif days == 0:
        title = _("Due today: %(title)s") % values
    elif escalated:
        title = ngettext("Overdue by %(days)s day (for your attention as the level above): %(title)s",
                         "Overdue by %(days)s days (for your attention as the level above): %(title)s",
                         -days) % values
    else:
        title = ngettext("Overdue by %(days)s day: %(title)s", "Overdue by %(days)s days: %(title)s", -days) % values
    body = _("Deadline: %(deadline)s (end of the day, Beijing time).") % {
        "deadline": describe_deadline(deadline.due_date)}
    return title, body


def _preferences(user_ids: Iterable[int]) -> dict[int, NotificationPreference]:
    return {pref.user_id: pref for pref in NotificationPreference.objects.filter(user_id__in=set(user_ids))}


def _send(planned: _Planned, *, today: dt.date, preference: NotificationPreference | None) -> bool:
    """Record and deliver one reminder; False when another sweep already did."""
    deadline = planned.deadline
    title, body = _message(deadline, today=today, escalated=planned.escalated)
    try:
        with transaction.atomic():
            reminder = Reminder.objects.create(
                key=planned.key, kind=deadline.kind, object_id=deadline.object_id, due_date=deadline.due_date,
                offset_days=planned.offset, recipient=planned.user, escalated=planned.escalated)
            notify([planned.user], title=title, body=body, url=deadline.url)
    except IntegrityError:
        return False
    # After the commit: a failing mail server loses the e-mail (``emailed`` stays False), never the
    # in-app reminder, and never sends it twice.
    wants_email = preference.email if preference is not None else True
    if wants_email and planned.user.email:
        site = settings.IPCITY.get("SITE_URL", "").rstrip("/")
        link = f"\n\n{site}{deadline.url}" if deadline.url else ""
        try:
            send_mail(title[:200], f"{body}{link}", None, [planned.user.email])
        except Exception:  # noqa: BLE001 - any transport error; the reminder itself stands
            log.exception("could not e-mail reminder %s", planned.key)
        else:
            Reminder.objects.filter(pk=reminder.pk).update(emailed=True)
    return True


def sweep(*, now: dt.datetime | None = None) -> int:
    """Send every reminder due now that was not sent yet; return how many were sent."""
    now = now or timezone.now()
    today = timezone.localdate(now, SHANGHAI)
    offsets = reminder_offsets()
    if not offsets:
        return 0
    max_late = int(settings.IPCITY.get("REMINDER_MAX_LATE_DAYS", DEFAULT_MAX_LATE_DAYS))
    start = today - dt.timedelta(days=max(0, -min(offsets)) + max_late)
    end = today + dt.timedelta(days=max(0, max(offsets)))
    people = People()
    planned: list[_Planned] = []
    for source in SOURCES.values():
        for deadline in source(start=start, end=end, people=people):
            planned.extend(_planned(deadline, today=today, offsets=offsets, max_late=max_late))
    if not planned:
        return 0
    sent_keys: set[str] = set()
    keys = [p.key for p in planned]
    for index in range(0, len(keys), 500):
        sent_keys.update(Reminder.objects.filter(key__in=keys[index:index + 500]).values_list("key", flat=True))
    todo = [p for p in planned if p.key not in sent_keys]
    preferences = _preferences(p.user.pk for p in todo)
    count = 0
    for item in todo:
        preference = preferences.get(item.user.pk)
        if preference is not None and not preference.reminders:
            continue
        count += _send(item, today=today, preference=preference)
    log.info("deadline sweep on %s sent %s reminders", today, count)
    return count


# --- preferences --------------------------------------------------------------------------------------


def preference_for(user: User) -> NotificationPreference:
    """The user's preferences (unsaved defaults when never set: e-mail and reminders on)."""
    return NotificationPreference.objects.filter(user=user).first() or NotificationPreference(user=user)


@transaction.atomic
def set_notification_preferences(user: User, *, email: bool, reminders: bool) -> NotificationPreference:
    """A user's own choice (only ever their own: the view passes ``request.user``)."""
    preference, _created = NotificationPreference.objects.update_or_create(
        user=user, defaults={"email": email, "reminders": reminders})
    return preference
