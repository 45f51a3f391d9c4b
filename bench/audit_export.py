"""Time of the audit administrator's export (CSV and xlsx) and of the purge's archive, over a large log.

Fills a throw-away SQLite database with N audit entries (default 250,000, shaped like real ones: an actor, an
object, a reason, a little JSON data; written with bulk_create, so their chain is not valid and not needed here),
then times ``cities.audit_export.write`` for each format, as the export view runs it.

Usage: .venv/bin/python bench/audit_export.py [entries]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
workdir = tempfile.mkdtemp(prefix="ipcity-bench-")
os.environ.update({"DEBUG": "true", "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL",
                                                                   f"sqlite:///{workdir}/bench.sqlite3"),
                   "IPCITY_VAR_DIR": workdir, "CELERY_TASK_ALWAYS_EAGER": "true", "LOG_LEVEL": "WARNING"})
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ipcity.settings")

import django  # noqa: E402

django.setup()

from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402


def main(count: int) -> None:
    from cities import audit_export
    from cities.models import AuditEntry, City, Province, User

    call_command("migrate", verbosity=0)
    province = Province.objects.create(code="210000", name="辽宁省", short_name="辽宁")
    city = City.objects.create(code="210400", province=province, name="抚顺市", full_name="抚顺市")
    user = User.objects.create(username="cnipa")
    city_type = ContentType.objects.get_for_model(City)
    now = timezone.now()
    started = time.perf_counter()
    batch = []
    for number in range(count):
        batch.append(AuditEntry(
            created_at=now, actor=user, actor_name="cnipa", action="place.update", content_type=city_type,
            object_id=str(city.pk), object_repr="抚顺市", from_state="submitted", to_state="recommended",
            reason=f"第 {number} 次更正名称与代码", data={"name": "抚顺市", "number": number}, ip="10.1.2.3",
            city=city, prev_hash="0" * 64, entry_hash=f"{number:064x}"))
        if len(batch) == 5000:
            AuditEntry.objects.bulk_create(batch)
            batch = []
    AuditEntry.objects.bulk_create(batch)
    print(f"{count} entries written in {time.perf_counter() - started:.1f} s")
    for fmt in ("csv", "xlsx"):
        with tempfile.TemporaryFile() as out:
            started = time.perf_counter()
            written = audit_export.write(AuditEntry.objects.all(), fmt=fmt, out=out)
            seconds = time.perf_counter() - started
        print(f"{fmt:<5} {written.count} rows  {written.size / 1e6:7.1f} MB  {seconds:6.1f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 250_000)
