#!/usr/bin/env python
import os
import sys

# Commands that read the code and never sign anything: a checkout can run them without a SECRET_KEY
# (e.g. `manage.py makemigrations --check`). Everything else, the server first, still needs one.
COMMANDS_WITHOUT_SECRETS = {"makemigrations", "check", "showmigrations", "compilemessages", "makemessages",
                            "collectstatic", "help"}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ipcity.settings")
    if len(sys.argv) > 1 and sys.argv[1] in COMMANDS_WITHOUT_SECRETS:
        os.environ.setdefault("SECRET_KEY", f"unused-by-{sys.argv[1]}")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
