"""Settings for the test suite: the real settings, with a test secret and a fast password hasher.

Everything else (database, Redis) still comes from the environment, so ``make test``
with ``DATABASE_URL``/``REDIS_URL`` runs the same suite against PostgreSQL and Redis; without
``REDIS_URL`` it starts its own private redis-server, as ``make run`` does.
"""

import atexit
import os
import shutil
import tempfile

os.environ.setdefault("SECRET_KEY", "test-only-secret-key")
# A fixed SM4 key for the encrypted personal data (tests/ipcity/test_fieldcrypto.py sets others to rotate).
os.environ.setdefault("FIELD_ENCRYPTION_KEY", "00112233445566778899aabbccddeeff")
# Unit tests run tasks in-process; tests of the real worker and beat set this to false.
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
# The API suite (schemathesis, the permission matrix) sends far more than a client would: the rates are raised
# here; tests/api/test_throttling.py sets low ones.
os.environ.setdefault("API_THROTTLE_ANON", "100000/min")
os.environ.setdefault("API_THROTTLE_USER", "100000/min")
os.environ.setdefault("LOGIN_THROTTLE", "100000/min")
# Files the tests upload never land beside the demo's (var/media): one temporary folder per run, shared
# through the environment with the worker processes some tests start.
if "MEDIA_ROOT" not in os.environ:
    os.environ["MEDIA_ROOT"] = tempfile.mkdtemp(prefix="ipcity-test-media-")
    atexit.register(shutil.rmtree, os.environ["MEDIA_ROOT"], True)

# Without REDIS_URL, the suite runs on the one-machine default, a private redis-server, started here once
# per run (its folder is passed on to the xdist workers and to the worker processes some tests start).
if not os.environ.get("REDIS_URL") and "IPCITY_REDIS_DIR" not in os.environ:
    from ipcity import embedded_redis

    os.environ["IPCITY_REDIS_DIR"] = tempfile.mkdtemp(prefix="ipcity-redis-")
    _redis = embedded_redis.start(os.environ["IPCITY_REDIS_DIR"])
    atexit.register(shutil.rmtree, os.environ["IPCITY_REDIS_DIR"], True)
    atexit.register(embedded_redis.stop, _redis)

from ipcity.settings import *  # noqa: E402,F401,F403

# Most tests sign in with force_login, many as national administrators: the rule that they must enrol a second
# factor is off here; tests/cities/test_twofactor.py turns it on. (Enrolled users still verify.)
TWO_FACTOR_ENFORCED = False

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Hashed static names need collectstatic first; tests/ipcity/test_static.py runs the
# production collectstatic (manifest storage) into a temporary folder instead.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
WHITENOISE_AUTOREFRESH = True

# Test processes running side by side (pytest-xdist) share the Redis of the run: each keeps its cache keys
# apart (a test clearing a key must not clear another process's).
CACHES["default"]["KEY_PREFIX"] = f"ipcity-test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"  # noqa: F405

# The audit table refuses TRUNCATE on PostgreSQL (cities/migrations/0006_audit_hash_chain.py) unless the session
# set ipcity.allow_audit_truncate: the test runner empties databases with TRUNCATE. Production never sets it.
# SQLite's flush empties tables with DELETE, which the audit table refuses (cities/migrations/0009_audit_purge_gate.py)
# unless this is on. Production never sets it.
AUDIT_ALLOW_FLUSH = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    _options = DATABASES["default"].setdefault("OPTIONS", {})  # noqa: F405
    _options["options"] = f"{_options.get('options', '')} -c ipcity.allow_audit_truncate=on".strip()
