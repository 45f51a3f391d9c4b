"""Kinds, states and actions of the evaluation procedures (S1), with named groups."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CycleKind(models.TextChoices):
    PILOT = "pilot", _("Pilot city evaluation")
    DEMONSTRATION = "demonstration", _("Demonstration city evaluation")
    RE_REVIEW = "re_review", _("Demonstration city re-review")
    STRONG_CITY = "strong_city", _("Strong-city candidate evaluation")


class CycleStatus(models.TextChoices):
    DRAFT = "draft", _("Being prepared")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class MissedReReview(models.TextChoices):
    """What a due city that never applied for re-review is treated as. The notice (S1 三) is silent: national
    staff choose per cycle, and the pages say the choice is theirs."""

    FAIL = "fail", _("As failing the re-review (rectification, or revocation after rectification)")
    CANCEL = "cancel", _("Demonstration status cancelled")


class ApplicationState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted to the province")
    RECOMMENDED = "recommended", _("Recommended")
    NOT_RECOMMENDED = "not_recommended", _("Not recommended")
    VETOED = "vetoed", _("Vetoed")
    UNDER_REVIEW = "under_review", _("Under review")
    SHORTLISTED = "shortlisted", _("Shortlisted")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    PASSED = "passed", _("Passed re-review")
    FAILED = "failed", _("Failed re-review")
    TITLE_CANCELLED = "title_cancelled", _("Demonstration status cancelled")
    LAPSED = "lapsed", _("Not submitted in time")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    DISQUALIFIED = "disqualified", _("Disqualified")


# The city can still change its materials.
EDITABLE_STATES = frozenset({ApplicationState.DRAFT})
# Waiting for the province.
PROVINCE_STATES = frozenset({ApplicationState.SUBMITTED})
# With the national administration.
NATIONAL_STATES = frozenset({ApplicationState.RECOMMENDED, ApplicationState.UNDER_REVIEW, ApplicationState.SHORTLISTED})
# Nothing more happens, except a disqualification for fraud.
FINAL_STATES = frozenset({
    ApplicationState.NOT_RECOMMENDED, ApplicationState.VETOED, ApplicationState.APPROVED, ApplicationState.REJECTED,
    ApplicationState.PASSED, ApplicationState.FAILED, ApplicationState.TITLE_CANCELLED, ApplicationState.LAPSED,
    ApplicationState.WITHDRAWN, ApplicationState.DISQUALIFIED,
})
# States that use up one place of the province's quota.
QUOTA_STATES = frozenset({
    ApplicationState.RECOMMENDED, ApplicationState.UNDER_REVIEW, ApplicationState.SHORTLISTED,
    ApplicationState.APPROVED, ApplicationState.REJECTED, ApplicationState.PASSED, ApplicationState.FAILED,
    ApplicationState.TITLE_CANCELLED,
})
# Outcomes stay invisible to cities and provinces until the cycle's results are published.
OUTCOME_STATES = frozenset({
    ApplicationState.APPROVED, ApplicationState.REJECTED, ApplicationState.PASSED, ApplicationState.FAILED,
    ApplicationState.TITLE_CANCELLED, ApplicationState.LAPSED,
})


class Action(models.TextChoices):
    SUBMIT = "submit", _("Submit")
    RETURN = "return", _("Return")
    RECOMMEND = "recommend", _("Recommend")
    DECLINE = "decline", _("Decline to recommend")
    VETO = "veto", _("One-vote veto")
    ACCEPT = "accept", _("Accept into review")
    SHORTLIST = "shortlist", _("Shortlist")
    SUBMIT_FORMAL = "submit_formal", _("Submit the formal application")
    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Reject")
    PASS = "pass", _("Pass")
    FAIL = "fail", _("Fail")
    CANCEL_TITLE = "cancel_title", _("Cancel the demonstration status")
    LAPSE = "lapse", _("Record as not submitted in time")
    WITHDRAW = "withdraw", _("Withdraw")
    DISQUALIFY = "disqualify", _("Disqualify")


class Stage(models.TextChoices):
    """Whose deadline an action is measured against."""

    CITY = "city", _("City to province")
    PROVINCE = "province", _("Province to national administration")


class MaterialKind(models.TextChoices):
    RECOMMENDATION_LETTER = "recommendation_letter", _("Provincial recommendation letter")
    GOVERNMENT_LETTER = "government_letter", _("Municipal government's application letter")
    WORK_PLAN = "work_plan", _("Work plan")
    BASIC_INFO_TABLE = "basic_info_table", _("Basic-information table")
    PROOF = "proof", _("Proof document")
    SCORE_SHEET = "score_sheet", _("Indicator system score sheet")
    MEASUREMENT_DATA = "measurement_data", _("Raw measurement data")
    WORK_SUMMARY = "work_summary", _("Work summary")
    RE_REVIEW_LETTER = "re_review_letter", _("Re-review request letter")
    REVISED_PLAN = "revised_plan", _("Revised work plan")
    FORMAL_LETTER = "formal_letter", _("Formal application letter")
    ARGUMENTATION = "argumentation", _("Expert argumentation record")
    SITE_VISIT = "site_visit", _("Site-visit record")
    OTHER = "other", _("Other")


# Kinds of which an application holds several documents (each with its own title).
MULTIPLE_MATERIAL_KINDS = frozenset({MaterialKind.PROOF, MaterialKind.MEASUREMENT_DATA, MaterialKind.OTHER})
# Documents the province or the national administration adds, not the city.
PROVINCE_MATERIAL_KINDS = frozenset({
    MaterialKind.RECOMMENDATION_LETTER, MaterialKind.SCORE_SHEET, MaterialKind.MEASUREMENT_DATA,
    MaterialKind.ARGUMENTATION,
})
NATIONAL_MATERIAL_KINDS = frozenset({MaterialKind.SITE_VISIT})

# What the city must provide before submitting, by procedure (S1 一(三), 二(三), 三(四), 四(四)).
DEFAULT_REQUIRED_MATERIALS = {
    CycleKind.PILOT: [MaterialKind.GOVERNMENT_LETTER, MaterialKind.WORK_PLAN, MaterialKind.BASIC_INFO_TABLE,
                      MaterialKind.PROOF],
    CycleKind.DEMONSTRATION: [MaterialKind.GOVERNMENT_LETTER, MaterialKind.BASIC_INFO_TABLE, MaterialKind.PROOF,
                              MaterialKind.WORK_SUMMARY],
    CycleKind.RE_REVIEW: [MaterialKind.RE_REVIEW_LETTER, MaterialKind.WORK_SUMMARY],
    CycleKind.STRONG_CITY: [MaterialKind.WORK_PLAN, MaterialKind.BASIC_INFO_TABLE, MaterialKind.PROOF],
}
# Formal stage of a strong-city application (S1 四(二)4).
FORMAL_MATERIALS = [MaterialKind.REVISED_PLAN, MaterialKind.FORMAL_LETTER]
# What else each procedure takes besides the list above (a cycle's own required list is taken too): the province's
# and the national administration's documents of that procedure, and "other" documents where the notice's list
# ends in 等 (S1 三(四), 四(四)); the pilot's and the demonstration's lists are closed (以上材料). Any other kind is
# refused, so a re-review offers its city the request letter, the work summary and other documents only.
OPTIONAL_MATERIALS = {
    CycleKind.PILOT: [MaterialKind.RECOMMENDATION_LETTER, MaterialKind.ARGUMENTATION],  # 一(二)2, 一(三)1
    CycleKind.DEMONSTRATION: [MaterialKind.RECOMMENDATION_LETTER, MaterialKind.SCORE_SHEET,
                              MaterialKind.MEASUREMENT_DATA],  # 二(三)1, 二(三)4
    CycleKind.RE_REVIEW: [MaterialKind.RECOMMENDATION_LETTER, MaterialKind.OTHER],  # 三(四)
    CycleKind.STRONG_CITY: [MaterialKind.RECOMMENDATION_LETTER, MaterialKind.OTHER, MaterialKind.SITE_VISIT,
                            *FORMAL_MATERIALS],  # 四(二)2–4, 四(四)
}

# Default deadlines of the 2018 notice (S1): (month, day) to the national administration.
DEFAULT_DEADLINES = {
    CycleKind.PILOT: (8, 31),
    CycleKind.DEMONSTRATION: (9, 15),
    CycleKind.RE_REVIEW: (8, 31),
    CycleKind.STRONG_CITY: (9, 15),
}
DEMONSTRATION_MEASUREMENT_REQUEST = (8, 15)


class VetoGround(models.TextChoices):
    """一票否决 grounds found in a city's patent subsidy policy (S1 五(一))."""

    PRE_GRANT_FUNDING = "pre_grant_funding", _("Subsidy before grant")
    EXCESS_FUNDING = "excess_funding", _("Excess subsidy")
    DUPLICATE_FUNDING = "duplicate_funding", _("Duplicate subsidy")


class NarrativeDocument(models.TextChoices):
    WORK_PLAN = "work_plan", _("Work plan")
    WORK_SUMMARY = "work_summary", _("Work summary")


class AnswerType(models.TextChoices):
    NUMBER = "number", _("Number")
    TEXT = "text", _("Text")


class SnapshotKind(models.TextChoices):
    SUBMIT = "submit", _("Submitted")
    RETURN = "return", _("Returned")
    FORMAL = "formal", _("Formal application")


class CriticismTarget(models.TextChoices):
    CITY_BUREAU = "city_bureau", _("City IP bureau")
    PROVINCE_BUREAU = "province_bureau", _("Provincial IP bureau")


# What the province measures for a demonstration applicant beyond the basic-information table (S1 二(二)1, 二(三)4:
# "省局对推荐城市进行测评的原始资料及测评分数"), by key of ``Measurement.values``; objective criteria of the indicator
# system read them. Numbers; rates in percent. The names are the official record's, in Chinese.
MEASURED_VALUES = {
    "invention_grants": "发明专利授权量（件）",
    "invention_grants_per_100m_gdp": "（每亿元GDP）发明专利授权量",
    "invention_grant_rate": "发明专利实审授权率（%）",
    "utility_model_abandonment_rate": "实用新型不办登视为放弃率（%）",
    "design_abandonment_rate": "外观设计不办登视为放弃率（%）",
    "patent_transfers_and_licences": "专利转让、许可件数",
    "patent_enforcement_cases": "专利行政执法办案量",
    "enforcement_score": "专利行政执法工作绩效考核得分",
    "protection_centres": "知识产权保护中心、维权援助中心数量",
}
