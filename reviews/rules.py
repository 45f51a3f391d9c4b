"""Permission predicates of the expert review (one vocabulary with cities.rules and evaluations.rules)."""

from __future__ import annotations

import rules

from cities.rules import is_national_admin, is_reviewer

rules.add_perm("reviews.manage_rubrics", is_national_admin)

# The admin shows the rubrics to national staff, read-only.
rules.add_perm("reviews", is_national_admin)
rules.add_perm("reviews.view_rubric", is_national_admin)
rules.add_perm("reviews.view_criterion", is_national_admin)
for _model in ("assignment", "decision", "annualassessment", "generatedfile", "reviewerprofile", "review", "score"):
    rules.add_perm(f"reviews.view_{_model}", is_national_admin)


# --- scoring ---------------------------------------------------------------------------------


@rules.predicate
def is_reviewer_of_assignment(user, obj) -> bool:
    """``obj`` is an Assignment or a Review; true for the reviewer it is assigned to."""
    assignment = getattr(obj, "assignment", obj)
    return obj is not None and getattr(user, "pk", None) is not None and assignment.reviewer_id == user.pk


rules.add_perm("reviews.score_review", is_reviewer & is_reviewer_of_assignment)
rules.add_perm("reviews.reopen_review", is_national_admin)


# --- reviewers and assignments ---------------------------------------------------------------

rules.add_perm("reviews.manage_assignments", is_national_admin)
rules.add_perm("reviews.list_own_assignments", is_reviewer)
rules.add_perm("reviews.declare_assignment", is_reviewer & is_reviewer_of_assignment)
