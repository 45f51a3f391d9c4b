# Production image: web (gunicorn), worker and beat (Celery) all run from it;
# docker-entrypoint.sh picks the process. See README "Production deployment".
FROM python:3.11-slim-bookworm

# constraints.txt holds setuptools<81 for xstatic-bootstrap's build: PIP_CONSTRAINT reaches
# the build environment up to pip 25.2, PIP_BUILD_CONSTRAINT from pip 25.3 on.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_CONSTRAINT=/app/constraints.txt \
    PIP_BUILD_CONSTRAINT=/app/constraints.txt \
    DJANGO_SETTINGS_MODULE=ipcity.settings \
    MEDIA_ROOT=/data/media \
    STATIC_ROOT=/app/staticfiles \
    IPCITY_VAR_DIR=/data/var

# WeasyPrint >= 62 (pip wheels) needs Pango >= 1.44 and HarfBuzz, with its subsetter
# for small PDFs; no cairo. fonts-noto-cjk draws Chinese in PDFs; gettext runs
# compilemessages; postgresql-client (15, as the compose database) gives `manage backup`
# and `manage restore` pg_dump and pg_restore.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz0b \
        libharfbuzz-subset0 \
        fonts-noto-cjk \
        gettext \
        postgresql-client \
    && rm -rf /var/lib/apt/lists/*

# A home directory: gunicorn keeps its control socket there, fontconfig its cache.
RUN useradd --system --user-group --create-home --shell /usr/sbin/nologin ipcity \
    && mkdir -p /data/media /data/var \
    && chown ipcity:ipcity /data/media /data/var

WORKDIR /app

# Dependencies first, in their own layer, so a code change does not reinstall them.
COPY pyproject.toml constraints.txt README.md ./
RUN python -c "import tomllib; project = tomllib.load(open('pyproject.toml', 'rb'))['project']; \
        print(*project['dependencies'], sep='\n')" > /tmp/requirements.txt \
    && pip install --no-cache-dir -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY ipcity ./ipcity
COPY cities ./cities
COPY evaluations ./evaluations
COPY reviews ./reviews
COPY plans ./plans
COPY templates ./templates
COPY static ./static
COPY locale ./locale
COPY manage.py docker-entrypoint.sh ./

# Editable, so `ipcity` always imports from /app, where templates/, static/ and
# locale/ sit beside it (settings.BASE_DIR).
RUN pip install --no-cache-dir --no-deps --editable . \
    && chmod 755 /app/docker-entrypoint.sh

# Settings refuse to load without a secret and a field encryption key; these exist only for these two commands,
# which read no data.
RUN export SECRET_KEY=build-only FIELD_ENCRYPTION_KEY=00000000000000000000000000000000 \
    && python manage.py compilemessages \
    && python manage.py collectstatic --noinput

USER ipcity
EXPOSE 8000
# The web process answers GET /healthz (README "Health checks"); docker-compose.yml probes it with
# `python -m ipcity.healthcheck`. No HEALTHCHECK here, because worker and beat run from this image too and serve no HTTP.
ENTRYPOINT ["/app/docker-entrypoint.sh"]
CMD ["web"]
