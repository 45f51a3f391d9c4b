"""One Chinese word for each concept of the program, and the mix-ups that must never reach a page.

The words follow the 2018 notice (国家知识产权局办公室关于开展2018年度国家知识产权试点、示范城市评定和复核工作的
通知) and the program's own documents: a city *holds a title* (称号: 试点城市, 示范城市 …) that it obtains through a
*procedure* (评定, 复核); a cycle is *being prepared* (筹备中) while an application is a *draft* (草稿).

``TERMS`` names the word of each concept; ``MIX_UPS`` names, for a concept, a word that means something else and
where (source files of the catalog entry, msgids, or state labels) it must not appear. ``tests/cities/
test_glossary.py`` checks the catalog (``locale/zh_Hans/LC_MESSAGES/django.po``) and the state labels shown in
pages and the activity log against both. Pure data and pure functions: no Django import, so anything may read it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    """The Chinese ``word`` of ``concept``: the translation of ``msgid`` (in ``msgctxt``), and the label of
    ``state`` (subject, value) where the concept is a state shown through ``cities.audit.state_label``."""

    concept: str
    word: str
    msgid: str
    msgctxt: str = ""
    state: tuple[str, str] | None = None


@dataclass(frozen=True)
class MixUp:
    """``wrong`` must not appear where ``concept`` is meant: in the translation of any catalog entry used from a
    source file starting with one of ``paths``, of any entry whose msgid is in ``msgids`` (a msgid, or
    ``msgctxt|msgid``), or in the label of any ``states`` (subject, value)."""

    concept: str
    wrong: str
    paths: tuple[str, ...] = ()
    msgids: tuple[str, ...] = ()
    states: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Entry:
    """One catalog entry, as the checker needs it (``polib`` entries map onto it in the test)."""

    msgid: str
    msgstr: str
    msgctxt: str = ""
    paths: tuple[str, ...] = ()


@dataclass(frozen=True)
class Finding:
    concept: str
    wrong: str
    where: str  # the msgid (with its context) or the state
    text: str  # what was found


TITLES = (
    Term("title: pilot city", "试点城市", "Pilot city", state=("tier", "pilot")),
    Term("title: demonstration city", "示范城市", "Demonstration city", state=("tier", "demonstration")),
    Term("title: demonstration cultivation", "示范培育", "Demonstration cultivation",
         state=("tier", "demo_cultivation")),
    Term("title: strong-city candidate", "强市创建市", "Strong-city candidate",
         state=("tier", "strong_city_candidate")),
)
PROCEDURES = (
    Term("procedure: pilot city evaluation", "试点城市评定", "Pilot city evaluation",
         state=("cycle_kind", "pilot")),
    Term("procedure: demonstration city evaluation", "示范城市评定", "Demonstration city evaluation",
         state=("cycle_kind", "demonstration")),
    Term("procedure: demonstration city re-review", "示范城市复核", "Demonstration city re-review",
         state=("cycle_kind", "re_review")),
    Term("procedure: strong-city candidate evaluation", "强市创建市评定", "Strong-city candidate evaluation",
         state=("cycle_kind", "strong_city")),
)
STATES = (
    Term("application state: draft", "草稿", "Draft", state=("application", "draft")),
    Term("cycle state: being prepared", "筹备中", "Being prepared", state=("cycle", "draft")),
    Term("cycle state: open", "进行中", "Open", state=("cycle", "open")),
    Term("cycle state: closed", "已结束", "Closed", state=("cycle", "closed")),
)
KINDS = (
    Term("kind of a city plan", "方案类型", "Kind", msgctxt="plan"),
    Term("kind of an application material", "材料类型", "Kind"),
    Term("name of a responsibility list", "清单名称", "Title", msgctxt="list"),
    Term("name of a city's work plan", "方案名称", "Title", msgctxt="plan"),
    Term("name of a national annual work plan", "计划名称", "Title", msgctxt="national plan"),
    Term("title a city holds", "称号", "Title"),
    Term("earlier version compared on the diff page", "变更前版本", "From", msgctxt="version"),
    Term("later version compared on the diff page", "变更后版本", "To", msgctxt="version"),
)
TERMS = TITLES + PROCEDURES + STATES + KINDS

TIER_STATES = tuple(term.state for term in TITLES if term.state)
# Where plans and responsibility lists are named and edited (the dashboards do speak of titles).
PLAN_AND_LIST_PAGES = ("templates/plans/responsibilitylist", "templates/plans/nationalplan",
                       "templates/plans/cityplan", "templates/plans/_list", "plans/views/responsibility.py",
                       "plans/views/plans.py", "plans/api/")

MIX_UPS = (
    MixUp("application state 草稿 (not the cycle's 筹备中)", "筹备中", msgids=("Draft",),
          states=(("application", "draft"),)),
    MixUp("cycle state 筹备中 (not the application's 草稿)", "草稿", msgids=("Being prepared",),
          states=(("cycle", "draft"),)),
    MixUp("a title (称号), not the procedure that grants it", "评定",
          msgids=tuple(term.msgid for term in TITLES), states=TIER_STATES),
    MixUp("a title (称号), not the re-review", "复核", msgids=tuple(term.msgid for term in TITLES), states=TIER_STATES),
    MixUp("the name of a list or plan, not a city's title", "称号", paths=PLAN_AND_LIST_PAGES),
    MixUp("the kind of a plan, not of a material", "材料类型", paths=PLAN_AND_LIST_PAGES),
    MixUp("a version (round) picked on the diff page, not a date", "日期",
          paths=("templates/evaluations/application_diff.html",)),
    MixUp("a placeholder that a browser swallows as an HTML tag (“ 年工作计划责任清单”)", "<year>",
          paths=("",)),
    MixUp("an import error about the file, not about cells", "单元格",
          msgids=("The file was not imported; nothing was changed. Correct these problems and upload it again:",)),
)


def _named(entry: Entry) -> str:
    return f"{entry.msgctxt}|{entry.msgid}" if entry.msgctxt else entry.msgid


def _applies(mix_up: MixUp, entry: Entry) -> bool:
    if entry.msgid in mix_up.msgids or _named(entry) in mix_up.msgids:
        return True
    return any(path.startswith(prefix) for path in entry.paths for prefix in mix_up.paths)


def catalog_mix_ups(entries: Iterable[Entry], mix_ups: Iterable[MixUp] = MIX_UPS) -> list[Finding]:
    """Every entry whose translation uses a forbidden word where its concept is meant."""
    mix_ups = tuple(mix_ups)
    return [Finding(mix_up.concept, mix_up.wrong, _named(entry), entry.msgstr)
            for entry in entries for mix_up in mix_ups
            if entry.msgstr and mix_up.wrong in entry.msgstr and _applies(mix_up, entry)]


def state_mix_ups(label_of: Callable[[str, str], str], mix_ups: Iterable[MixUp] = MIX_UPS) -> list[Finding]:
    """Every state label (``label_of(subject, value)``) that uses a forbidden word."""
    found = []
    for mix_up in mix_ups:
        for subject, value in mix_up.states:
            label = label_of(subject, value)
            if mix_up.wrong in label:
                found.append(Finding(mix_up.concept, mix_up.wrong, f"{subject}:{value}", label))
    return found


def wrong_terms(entries: Iterable[Entry], label_of: Callable[[str, str], str] | None = None,
                terms: Iterable[Term] = TERMS) -> list[Finding]:
    """Every term whose catalog translation (or state label) is not its one word."""
    by_name = {_named(entry): entry for entry in entries}
    found = []
    for term in terms:
        name = f"{term.msgctxt}|{term.msgid}" if term.msgctxt else term.msgid
        entry = by_name.get(name)
        if entry is None or entry.msgstr != term.word:
            found.append(Finding(term.concept, "", name, entry.msgstr if entry else "(missing)"))
        if term.state and label_of is not None and label_of(*term.state) != term.word:
            found.append(Finding(term.concept, "", ":".join(term.state), label_of(*term.state)))
    return found
