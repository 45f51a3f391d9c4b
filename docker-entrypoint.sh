#!/bin/sh
# Entry point of the production image.
#   web          apply migrations, then serve with gunicorn on :8000
#   worker       Celery worker
#   beat         Celery beat (run exactly one), schedule kept in the database
#   migrate      apply migrations and exit
#   manage ARGS  python manage.py ARGS
#   anything else is run as given
set -eu

cd "$(dirname "$0")"

if [ "$#" -eq 0 ]; then
    set -- web
fi

case "$1" in
    web)
        python manage.py migrate --noinput
        exec gunicorn ipcity.wsgi:application --bind 0.0.0.0:8000 \
            --workers "${WEB_CONCURRENCY:-3}" --access-logfile -
        ;;
    worker)
        exec celery -A ipcity worker --loglevel=INFO --concurrency "${CELERY_CONCURRENCY:-2}"
        ;;
    beat)
        exec celery -A ipcity beat --loglevel=INFO \
            --scheduler ipcity.beat:HeartbeatScheduler
        ;;
    migrate)
        exec python manage.py migrate --noinput
        ;;
    manage)
        shift
        exec python manage.py "$@"
        ;;
    *)
        exec "$@"
        ;;
esac
