"""Dockerfile, docker-entrypoint.sh and docker-compose.yml agree with the repository, the
installed environment and ipcity/settings.py: checked as text, no Docker engine needed."""

from __future__ import annotations

import ast
import fnmatch
import os
import re
import shlex
import subprocess
from importlib import import_module
from importlib.metadata import entry_points
from pathlib import Path

import pytest
import yaml
from celery.app.utils import find_app
from celery.beat import Scheduler
from celery.utils.imports import symbol_by_name

ROOT = Path(__file__).resolve().parents[2]
ENTRYPOINT = ROOT / "docker-entrypoint.sh"
APP_SERVICES = ["web", "worker", "beat"]


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def entrypoint_text() -> str:
    return ENTRYPOINT.read_text(encoding="utf-8")


def entrypoint_subcommands() -> set[str]:
    """The named labels of the script's `case` (`web)`, `worker)`...), not the `*)` fallback."""
    return set(re.findall(r"^\s+([a-z][a-z-]*)\)\s*$", entrypoint_text(), flags=re.MULTILINE))


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, comments dropped and continuation lines joined."""
    lines = [line for line in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines()
             if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    return [tuple(line.split(None, 1)) for line in joined.splitlines() if line.strip()]


def dockerfile_copy_sources() -> list[str]:
    sources = []
    for instruction, args in dockerfile_instructions():
        if instruction == "COPY":
            sources += [token for token in shlex.split(args) if not token.startswith("--")][:-1]
    return sources


def dockerfile_apt_packages() -> set[str]:
    packages = set()
    for instruction, args in dockerfile_instructions():
        for command in args.split("&&") if instruction == "RUN" else []:
            words = command.split()
            if words[:2] == ["apt-get", "install"]:
                packages |= {word for word in words[2:] if not word.startswith("-")}
    return packages


def settings_env_names() -> set[str]:
    """Every literal name passed to env_str/env_bool/env_int/env_list in ipcity/settings.py."""
    tree = ast.parse((ROOT / "ipcity" / "settings.py").read_text(encoding="utf-8"))
    return {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        and node.func.id in {"env_str", "env_bool", "env_int", "env_list"}
        and node.args and isinstance(node.args[0], ast.Constant)
    }


def test_compose_services_are_the_stack():
    assert set(compose()["services"]) == {"db", "redis", "web", "worker", "beat"}


@pytest.mark.parametrize("name", APP_SERVICES)
def test_compose_app_service_builds_the_repository_image(name):
    service = compose()["services"][name]
    assert (service.get("build"), service.get("image")) == (".", None)


@pytest.mark.parametrize("name", APP_SERVICES)
def test_compose_app_service_command_is_an_entrypoint_subcommand(name):
    command = compose()["services"][name]["command"]
    assert command == name
    assert command in entrypoint_subcommands()


@pytest.mark.parametrize("name", APP_SERVICES)
def test_compose_app_service_env_uses_postgres_redis_and_no_debug(name):
    env = compose()["services"][name]["environment"]
    assert {key: env.get(key) for key in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "FIELD_ENCRYPTION_KEY",
                                          "DEBUG")} == {
        "DATABASE_URL": "postgres://ipcity:${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}@db:5432/ipcity",
        "REDIS_URL": "redis://redis:6379/0",
        "SECRET_KEY": "${SECRET_KEY:?set SECRET_KEY}",
        "FIELD_ENCRYPTION_KEY": "${FIELD_ENCRYPTION_KEY:?set FIELD_ENCRYPTION_KEY}",
        "DEBUG": "false",
    }


def test_compose_env_anchor_names_only_variables_settings_reads():
    assert set(compose()["x-app-env"]) - settings_env_names() == set()


@pytest.mark.parametrize("name", ["web", "worker"])
def test_compose_media_volume_mounted_at_media_root(name):
    service = compose()["services"][name]
    assert service["volumes"] == ["media:/data/media"]
    assert service["environment"]["MEDIA_ROOT"] == "/data/media"


def test_entrypoint_executables_are_installed_console_scripts():
    executables = set(re.findall(r"exec (\w+)", entrypoint_text())) - {"python"}
    assert executables == {"celery", "gunicorn"}
    assert executables - {ep.name for ep in entry_points(group="console_scripts")} == set()


def test_entrypoint_wsgi_application_imports():
    module, attribute = re.search(r"gunicorn (\S+):(\S+)", entrypoint_text()).groups()
    assert callable(getattr(import_module(module), attribute))


def test_entrypoint_celery_app_option_finds_the_ipcity_app():
    from ipcity.celery import app

    assert find_app(re.search(r"celery -A (\S+)", entrypoint_text()).group(1)) is app


def test_entrypoint_beat_scheduler_is_an_importable_scheduler():
    scheduler = symbol_by_name(re.search(r"--scheduler (\S+)", entrypoint_text()).group(1))
    assert issubclass(scheduler, Scheduler)


def test_entrypoint_beat_scheduler_is_the_one_of_the_settings(settings):
    """The image's beat records the heartbeat that /healthz/full reads, as `make run`'s does."""
    assert re.search(r"--scheduler (\S+)", entrypoint_text()).group(1) == settings.CELERY_BEAT_SCHEDULER


def test_entrypoint_script_passes_sh_syntax_check():
    result = subprocess.run(["sh", "-n", str(ENTRYPOINT)], capture_output=True, text=True, check=False)
    assert (result.returncode, result.stderr) == (0, "")


def test_entrypoint_script_is_executable():
    assert os.access(ENTRYPOINT, os.X_OK)


def test_dockerfile_copies_only_existing_paths():
    assert [source for source in dockerfile_copy_sources() if not (ROOT / source).exists()] == []


def test_dockerignore_excludes_no_copied_path():
    patterns = [line.strip() for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
                if line.strip() and not line.startswith("#")]
    assert [(source, pattern) for source in dockerfile_copy_sources() for pattern in patterns
            if fnmatch.fnmatch(source, pattern)] == []


def test_dockerfile_apt_packages_include_cjk_fonts_and_harfbuzz_subsetter():
    assert {"fonts-noto-cjk", "libharfbuzz-subset0"} - dockerfile_apt_packages() == set()


def test_dockerfile_apt_packages_include_the_postgresql_client_for_backup_and_restore():
    assert {"postgresql-client"} - dockerfile_apt_packages() == set()
