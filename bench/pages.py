"""Queries and response times of the main pages and API lists, per demo account, on the demo data.

Usage: .venv/bin/python bench/pages.py [repetitions]
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
workdir = tempfile.mkdtemp(prefix="ipcity-bench-")
os.environ.update({"DEBUG": "true", "DATABASE_URL": f"sqlite:///{workdir}/bench.sqlite3",
                   "IPCITY_VAR_DIR": workdir, "CELERY_TASK_ALWAYS_EAGER": "true", "LOG_LEVEL": "WARNING"})
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ipcity.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpRequest  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

PAGES = {
    "cnipa": ["/", "/cities/", "/cities/?tier=any", "/applications/", "/cycles/", "/inbox/"],
    "liaoning": ["/", "/applications/"],
    "guangdong": ["/", "/applications/"],
    "fushun": ["/", "/applications/"],
    "yangjiang": ["/", "/applications/"],
    "auditor": ["/", "/audit/", "/api/v1/audit-entries/"],
}
API = {
    "cnipa": ["/api/v1/applications/", "/api/v1/applications/?page_size=200", "/api/v1/cities/?page_size=200",
              "/api/v1/designations/", "/api/v1/assignments/", "/api/v1/reviews/", "/api/v1/indicator-values/",
              "/api/v1/city-plans/", "/api/v1/responsibility-items/"],
    "liaoning": ["/api/v1/applications/", "/api/v1/responsibility-items/"],
    "fushun": ["/api/v1/applications/", "/api/v1/responsibility-items/", "/api/v1/notifications/"],
}
for _account, _urls in API.items():
    PAGES[_account] = PAGES.get(_account, []) + _urls


def main(repetitions: int) -> None:
    call_command("migrate", verbosity=0)
    call_command("load_demo", stdout=open(os.devnull, "w"))
    from evaluations.models import Application

    for application in Application.objects.all():
        PAGES["cnipa"].append(f"/applications/{application.pk}/")
    print(f"{'account':<10} {'page':<38} {'queries':>7} {'median ms':>10}")
    client = Client(HTTP_HOST="127.0.0.1")
    for username, pages in PAGES.items():
        # django-axes checks every sign-in against its lockout, which needs a request.
        client.login(request=HttpRequest(), username=username, password="Demo-ipcity-2026")
        for page in pages:
            times = []
            for _ in range(repetitions):
                with CaptureQueriesContext(connection) as queries:
                    start = time.perf_counter()
                    response = client.get(page)
                    times.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200, (username, page, response.status_code)
            print(f"{username:<10} {page:<38} {len(queries.captured_queries):>7} {statistics.median(times):>10.1f}")
        client.logout()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
