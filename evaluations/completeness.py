"""What an application still lacks before each step. Each message names the rule's source."""

from __future__ import annotations

from django.utils.translation import gettext as _

from evaluations.basic_info import current_template, table_problems
from evaluations.enums import (
    DEFAULT_REQUIRED_MATERIALS,
    FORMAL_MATERIALS,
    OPTIONAL_MATERIALS,
    CycleKind,
    MaterialKind,
    NarrativeDocument,
)
from evaluations.models import Application, Cycle

NARRATIVE_OF = {MaterialKind.WORK_PLAN: NarrativeDocument.WORK_PLAN,
                MaterialKind.WORK_SUMMARY: NarrativeDocument.WORK_SUMMARY}


def procedure_materials(cycle: Cycle) -> list[MaterialKind]:
    """The kinds of material ``cycle``'s procedure takes, in the order of MaterialKind: what the cycle requires,
    what the notice requires of the procedure, and what it allows besides (``OPTIONAL_MATERIALS``)."""
    taken = {*cycle.required_materials, *DEFAULT_REQUIRED_MATERIALS[cycle.kind], *OPTIONAL_MATERIALS[cycle.kind]}
    return [kind for kind in MaterialKind if kind in taken]


def _uploaded_kinds(application: Application) -> set[str]:
    return set(application.materials.filter(files__isnull=False).values_list("kind", flat=True).distinct())


def _narrative_complete(application: Application, document: str) -> bool:
    sections = list(application.sections.filter(document=document))
    return bool(sections) and all(section.body.strip() for section in sections)


def missing_for_submit(application: Application) -> list[str]:
    """What the city must still provide (S1: materials of each procedure)."""
    cycle = application.cycle
    uploaded = _uploaded_kinds(application)
    missing = []
    for kind in cycle.required_materials:
        label = MaterialKind(kind).label
        if kind == MaterialKind.BASIC_INFO_TABLE:
            problems = table_problems(application.city, cycle.data_year,
                                      cycle.basic_info_template or current_template())
            if problems:
                missing.append(_("Basic-information table: %(problems)s") % {"problems": "；".join(problems[:5])}
                               + ("……" if len(problems) > 5 else ""))
            continue
        if kind in NARRATIVE_OF and (kind in uploaded or _narrative_complete(application, NARRATIVE_OF[kind])):
            continue
        if kind not in uploaded:
            missing.append(_("Missing material: %(kind)s") % {"kind": label})
    if cycle.kind == CycleKind.PILOT and not application.theme.strip():
        missing.append(_("The pilot's featured theme is not given (2018 notice, part 1 (2) 1)."))
    if cycle.kind == CycleKind.STRONG_CITY and application.enforcement_score is None:
        missing.append(_("The previous year's patent enforcement performance score is not recorded "
                         "(2018 notice, part 4 (1) 2)."))
    return missing


def missing_for_formal(application: Application) -> list[str]:
    uploaded = _uploaded_kinds(application)
    return [_("Missing material: %(kind)s") % {"kind": MaterialKind(kind).label}
            for kind in FORMAL_MATERIALS if kind not in uploaded]
