"""The in-app inbox: each user's notifications, newest first."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from cities.models import Notification
from cities.notifications import mark_all_read, mark_read
from ipcity.pagination import paginate


@login_required
def inbox(request):
    notifications = Notification.objects.filter(recipient=request.user)
    if request.GET.get("unread"):
        notifications = notifications.filter(read_at__isnull=True)
    page, querystring = paginate(request, notifications)
    return render(request, "cities/notification_list.html", {"page": page, "querystring": querystring})


@login_required
@require_POST
def notification_open(request, pk: int):
    """Mark one notification read and follow its link."""
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    mark_read(notification, by=request.user)
    if notification.url and url_has_allowed_host_and_scheme(notification.url, allowed_hosts={request.get_host()}):
        return redirect(notification.url)
    return redirect("inbox")


@login_required
@require_POST
def notifications_read_all(request):
    mark_all_read(by=request.user)
    return redirect("inbox")
