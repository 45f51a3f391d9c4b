from evaluations.models.applications import Application, Attestation, NarrativeSection, Snapshot
from evaluations.models.basic_info import Indicator, IndicatorTemplate, IndicatorValue
from evaluations.models.cycles import ChecklistItem, Cycle, ProvinceQuota
from evaluations.models.materials import Material, MaterialFile
from evaluations.models.reviews_by_province import (
    Argumentation,
    Measurement,
    RecommendationLetter,
    Veto,
)
from evaluations.models.national import Criticism, FraudFinding, SiteVisit

__all__ = [
    "Application", "Argumentation", "Attestation", "ChecklistItem", "Criticism", "Cycle", "FraudFinding",
    "Indicator", "IndicatorTemplate", "IndicatorValue", "Material", "MaterialFile", "Measurement",
    "NarrativeSection", "ProvinceQuota", "RecommendationLetter", "SiteVisit", "Snapshot", "Veto",
]
