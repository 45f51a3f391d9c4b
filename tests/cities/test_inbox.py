from __future__ import annotations

from django.urls import reverse

from cities.models import Notification
from cities.notifications import notify
from tests.utils import queries_for


def test_inbox_shows_own_notifications_and_opening_marks_read(client, fushun_officer, yangjiang_officer):
    notify([fushun_officer], title="抚顺市 · 2026年度示范城市评定：已退回", body="请补充证明材料", url="/applications/1/")
    notify([yangjiang_officer], title="阳江市的通知")
    client.force_login(fushun_officer)
    page = client.get(reverse("inbox"))
    assert [n.title for n in page.context["page"].object_list] == ["抚顺市 · 2026年度示范城市评定：已退回"]
    assert page.context["unread_notifications"] == 1
    mine = Notification.objects.get(recipient=fushun_officer)
    response = client.post(reverse("notification_open", args=[mine.pk]))
    assert response["Location"] == "/applications/1/"
    mine.refresh_from_db()
    assert mine.read_at is not None
    other = Notification.objects.get(recipient=yangjiang_officer)
    assert client.post(reverse("notification_open", args=[other.pk])).status_code == 404


def test_external_links_are_not_followed(client, fushun_officer):
    [n] = notify([fushun_officer], title="x", url="https://evil.example/")
    client.force_login(fushun_officer)
    assert client.post(reverse("notification_open", args=[n.pk]))["Location"] == reverse("inbox")


def test_inbox_query_count_is_flat(client, fushun_officer):
    client.force_login(fushun_officer)
    notify([fushun_officer], title="第1条")
    one, _ = queries_for(client, reverse("inbox"))
    for i in range(19):
        notify([fushun_officer], title=f"第{i + 2}条")
    twenty, response = queries_for(client, reverse("inbox"))
    assert len(response.context["page"].object_list) == 20
    assert one == twenty
