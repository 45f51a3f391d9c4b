"""Panels other apps add to the home page, without the home page importing them.

An app registers ``panel(request) -> dict | None`` in its ``AppConfig.ready``; the dict gives
``template`` and the context that template needs. Panels render in registration order.
"""

from __future__ import annotations

from collections.abc import Callable

HOME_PANELS: list[Callable] = []


def register_home_panel(panel: Callable) -> Callable:
    if panel not in HOME_PANELS:
        HOME_PANELS.append(panel)
    return panel


def home_panels(request) -> list[dict]:
    return [panel_context for panel in HOME_PANELS if (panel_context := panel(request))]
