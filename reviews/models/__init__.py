from reviews.models.assessments import AnnualAssessment
from reviews.models.assignments import Assignment, ReviewerProfile
from reviews.models.decisions import Decision, GeneratedFile
from reviews.models.rubrics import Criterion, Rubric
from reviews.models.scores import Review, Score

__all__ = ["AnnualAssessment", "Assignment", "Criterion", "Decision", "GeneratedFile", "Review", "ReviewerProfile",
           "Rubric", "Score"]
