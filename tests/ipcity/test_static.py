from __future__ import annotations

import json

from django.core.management import call_command


def test_production_collectstatic_builds_a_manifest(tmp_path, settings):
    # Production uses WhiteNoise's compressed variant of this storage; the manifest (every
    # referenced file exists and gets a hashed name) is the part that can break. Compressing
    # every admin file would add ~25 s to the suite and proves nothing of ours.
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}}
    call_command("collectstatic", "--noinput", verbosity=0)
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    for path in ("bootstrap/css/bootstrap.min.css", "ipcity/app.css", "ipcity/app.js", "django_htmx/htmx-2.min.js"):
        assert path in manifest
        assert (tmp_path / manifest[path]).exists()
