"""The applications panel of the home page: what waits for this user, with deadlines."""

from __future__ import annotations

from django.db.models import Q

from cities.enums import Role
from evaluations import deadlines
from evaluations.enums import ApplicationState, Stage
from evaluations.selectors import applications_visible_to, shown_state
from ipcity.dates import local_today
from cities.rules import city_ids_of, province_ids_of

LIMIT = 10


def waiting_applications(request) -> dict | None:
    user = request.user
    if not user.roles & {Role.NATIONAL_ADMIN, Role.PROVINCE_STAFF, Role.CITY_OFFICER}:
        return None
    waiting = Q(pk__in=[])
    if user.has_role(Role.CITY_OFFICER):
        waiting |= Q(city_id__in=city_ids_of(user), state__in=[ApplicationState.DRAFT, ApplicationState.SHORTLISTED])
    if user.has_role(Role.PROVINCE_STAFF):
        waiting |= Q(city__province_id__in=province_ids_of(user), state=ApplicationState.SUBMITTED)
    if user.has_role(Role.NATIONAL_ADMIN):
        waiting |= Q(state=ApplicationState.RECOMMENDED)
    applications = list(applications_visible_to(user).filter(waiting).order_by("cycle__province_deadline", "id")[
        :LIMIT + 1])
    today = local_today()
    rows = []
    for application in applications[:LIMIT]:
        stage = Stage.CITY if application.is_editable else Stage.PROVINCE
        rows.append({"application": application, "state": shown_state(application, user),
                     "deadline": deadlines.deadline_for(application, stage),
                     "days_left": deadlines.days_left(application, stage, today=today)})
    return {"template": "evaluations/_home_panel.html", "rows": rows, "more": len(applications) > LIMIT}
