from plans.models.city_plans import CityPlan, LeadershipMember, PlanTarget, PlanTask
from plans.models.national import NationalPlan, NationalTarget, NationalTask
from plans.models.reminders import HolidayOverride, NotificationPreference, Reminder
from plans.models.responsibility import ProgressEvidence, ProgressReport, ResponsibilityItem, ResponsibilityList

__all__ = ["CityPlan", "HolidayOverride", "LeadershipMember", "NationalPlan", "NationalTarget", "NationalTask",
           "NotificationPreference", "PlanTarget", "PlanTask", "ProgressEvidence", "ProgressReport", "Reminder",
           "ResponsibilityItem", "ResponsibilityList"]
