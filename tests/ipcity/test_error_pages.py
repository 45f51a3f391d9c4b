"""Error pages with DEBUG off are Chinese, in the site's layout, and say nothing of what failed inside; the
production settings pass `check --deploy` (issue #14)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.core.exceptions import PermissionDenied
from django.views.defaults import bad_request, permission_denied, server_error

from tests.processes import process_env, run_python

LAYOUT = 'class="app-header"'


@pytest.fixture(autouse=True)
def _production(settings):
    settings.DEBUG = False


def page(response) -> str:
    return response.content.decode()


@pytest.mark.django_db
def test_404_is_chinese_in_the_layout_and_echoes_nothing_unescaped(client):
    response = client.get("/no-such-page/<script>x</script>/")
    html = page(response)
    assert response.status_code == 404
    assert LAYOUT in html and "<title>页面不存在 · ipcity</title>" in html
    assert "页面不存在，或不在您的账号可查看的范围内" in html
    # The address comes back only in the language switch's "next" field, escaped (Django's page printed it).
    assert "<script>x" not in html and "Page not found" not in html and html.count("no-such-page") == 1


@pytest.mark.django_db
def test_403_is_chinese_in_the_layout_and_keeps_the_reason_to_itself(rf, reviewer):
    request = rf.get("/")
    request.user = reviewer
    response = permission_denied(request, PermissionDenied("only national staff may export"))
    html = page(response)
    assert response.status_code == 403
    assert LAYOUT in html and "您无权执行此操作" in html and "national staff" not in html


@pytest.mark.django_db
def test_500_and_400_render_without_a_request_context(rf):
    request = rf.get("/")
    error = server_error(request)
    bad = bad_request(request, ValueError("secret detail"))
    assert (error.status_code, bad.status_code) == (500, 400)
    assert "服务器出现错误" in page(error) and LAYOUT in page(error)
    assert "请求无法识别" in page(bad) and "secret detail" not in page(bad)


@pytest.mark.django_db
def test_csrf_failure_is_chinese_and_explains_what_to_do():
    response = Client(enforce_csrf_checks=True).post(reverse("login"), {"username": "x", "password": "y"})
    html = page(response)
    assert response.status_code == 403
    assert "表单已过期" in html and "请刷新页面后重新提交" in html and LAYOUT in html
    assert "CSRF" not in html


def test_check_deploy_is_clean_with_the_production_profile(tmp_path):
    env = process_env(tmp_path, DJANGO_SETTINGS_MODULE="ipcity.settings", DEBUG="false", HTTPS_ONLY="true",
                      BEHIND_TLS_PROXY="true", ALLOWED_HOSTS="ipcity.example.gov.cn",
                      SECRET_KEY="a-production-like-secret-key-of-sufficient-length-and-variety-7Qz!")
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for the browser tests' live server, never in production
    out = run_python(["manage.py", "check", "--deploy"], env)
    assert out.strip() == "System check identified no issues (3 silenced)."
