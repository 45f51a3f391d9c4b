"""The password profiles ``PASSWORD_POLICY`` chooses between (README "Password policy").

Read by ``ipcity.settings`` while it loads: it names validators by their dotted path and imports nothing of
the apps. The rules themselves are validators in ``cities.passwords`` and Django's own.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

DJANGO = "django.contrib.auth.password_validation"
CITIES = "cities.passwords"

# 等保 2.0 (GB/T 22239-2019, level 3): complexity, no reuse of the last 5, changed every 90 days.
DENGBAO = "dengbao"
# (cities.passwords.MinimumLengthValidator is Django's, with a message in our Chinese catalog.)
# OWASP ASVS 4.0 V2.1: length over composition, a common/breached-password check, no rotation and no history
# rule (V2.1.9, V2.1.10). Offline, Django's bundled list of 20,000 common passwords (taken from breach
# corpora) stands in for a breached-password service.
ASVS = "asvs"
PASSWORD_POLICIES = (DENGBAO, ASVS)

# How many days a password lasts under each profile, unless PASSWORD_MAX_AGE_DAYS says otherwise (0: for ever).
DEFAULT_MAX_AGE_DAYS = {DENGBAO: 90, ASVS: 0}
# The passwords an account may not choose again under 等保: the current one and the 4 before it.
DENGBAO_HISTORY = 5


def password_validators(policy: str) -> list[dict]:
    """``AUTH_PASSWORD_VALIDATORS`` for one profile; an unknown name is an error naming the choices."""
    similarity = {"NAME": f"{DJANGO}.UserAttributeSimilarityValidator"}
    common = {"NAME": f"{DJANGO}.CommonPasswordValidator"}
    if policy == DENGBAO:
        return [
            similarity,
            {"NAME": f"{CITIES}.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
            {"NAME": f"{CITIES}.CharacterClassesValidator", "OPTIONS": {"min_classes": 3}},
            common,
            {"NAME": f"{CITIES}.PasswordHistoryValidator", "OPTIONS": {"remember": DENGBAO_HISTORY}},
        ]
    if policy == ASVS:
        return [
            similarity,
            {"NAME": f"{CITIES}.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
            common,
        ]
    raise ImproperlyConfigured(
        f"PASSWORD_POLICY must be one of {', '.join(PASSWORD_POLICIES)}, got {policy!r}")
