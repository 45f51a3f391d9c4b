"""Panels other apps add to a page of an app below them, without that app importing them
(e.g. the review app's report buttons on the application page).

``register_panel("application", fn)`` in an ``AppConfig.ready``; ``fn(request, obj) -> dict | None`` returns
``template`` and that template's context. The page includes each with ``{% include panel.template %}``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

PANELS: dict[str, list[Callable]] = defaultdict(list)


def register_panel(slot: str, panel: Callable) -> Callable:
    if panel not in PANELS[slot]:
        PANELS[slot].append(panel)
    return panel


def panels(slot: str, request, obj) -> list[dict]:
    return [context for panel in PANELS[slot] if (context := panel(request, obj))]
