"""Input and output of the expert review's API. Input serializers validate shapes only: the services decide."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cities.models import City, Province
from evaluations.models import Indicator
from ipcity.fieldcrypto import mask_email, mask_phone
from reviews.enums import Aggregate, AssessmentKind, CriterionKind, Direction, Formula, Grade, Outcome, \
    Recommendation, ReportKind
from reviews.models import AnnualAssessment, Assignment, Criterion, Decision, GeneratedFile, Review, Rubric, Score
from reviews.services.reports import is_available, is_under_way
from reviews.services.reviewers import profile_for, reviewers

def points(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=6, decimal_places=2, **kwargs)


# --- rubrics ----------------------------------------------------------------------------------------------


class CriterionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Criterion
        fields = ["id", "rubric", "parent", "level", "position", "code", "name", "max_points", "kind", "direction",
                  "guidance", "indicator", "source_key", "derivation", "formula", "formula_params", "confirmed"]


class RubricSerializer(serializers.ModelSerializer):
    cycle_title = serializers.CharField(source="cycle.title", read_only=True)
    is_frozen = serializers.BooleanField(read_only=True)
    criteria = CriterionSerializer(many=True, read_only=True, help_text=gettext_lazy(
        "The tree depth first: each criterion names its parent; leaves carry the points, parents their sum."))

    class Meta:
        model = Rubric
        fields = ["id", "cycle", "cycle_title", "title", "aggregate", "reject_below", "approve_above",
                  "reviewers_per_application", "outlier_threshold", "frozen_at", "is_frozen", "copied_from",
                  "created_at", "criteria"]


class ReviewCycleSerializer(serializers.Serializer):
    cycle = serializers.IntegerField(help_text=gettext_lazy("Id of the cycle"))


class PublishSerializer(ReviewCycleSerializer):
    confirm_missing = serializers.BooleanField(default=False, help_text=gettext_lazy(
        "Record “did not apply in time” for the cities that were due and have no decision (without it, such cities "
        "make the request fail with 409 confirmation_required, naming them)"))


class RubricSettingsSerializer(serializers.Serializer):
    aggregate = serializers.ChoiceField(choices=Aggregate.choices)
    reject_below = points(min_value=0)
    approve_above = points(min_value=0)
    reviewers_per_application = serializers.IntegerField(min_value=1, max_value=50)
    outlier_threshold = points(min_value=0)


class CriterionChangeSerializer(serializers.Serializer):
    """Only the fields sent are changed."""

    name = serializers.CharField(max_length=200, required=False)
    max_points = points(required=False)
    kind = serializers.ChoiceField(choices=CriterionKind.choices, required=False)
    direction = serializers.ChoiceField(choices=Direction.choices, required=False)
    guidance = serializers.CharField(allow_blank=True, required=False)
    indicator = serializers.PrimaryKeyRelatedField(queryset=Indicator.objects.all(), allow_null=True, required=False)
    source_key = serializers.CharField(max_length=60, allow_blank=True, required=False)
    derivation = serializers.DictField(required=False, help_text=gettext_lazy(
        'A value derived from several inputs (reviews/derivations.py), e.g. {"op": "ratio", "numerator": '
        '"table:17", "denominator": "table:3"}'))
    formula = serializers.ChoiceField(choices=Formula.choices, allow_blank=True, required=False)
    formula_params = serializers.DictField(required=False)
    confirmed = serializers.BooleanField(required=False)


class CriterionCreateSerializer(CriterionChangeSerializer):
    rubric = serializers.IntegerField(help_text=gettext_lazy("Id of the rubric"))
    parent = serializers.PrimaryKeyRelatedField(queryset=Criterion.objects.all(), allow_null=True, default=None,
                                                help_text=gettext_lazy("None for a new level-1 criterion"))
    name = serializers.CharField(max_length=200)
    max_points = points()
    kind = serializers.ChoiceField(choices=CriterionKind.choices)


# --- assignments --------------------------------------------------------------------------------------------


class AssignmentSerializer(serializers.ModelSerializer):
    cycle = serializers.IntegerField(source="application.cycle_id", read_only=True)
    city = serializers.CharField(source="application.city.code", read_only=True)
    city_name = serializers.CharField(source="application.city.full_name", read_only=True)
    reviewer_username = serializers.CharField(source="reviewer.username", read_only=True)
    review = serializers.SerializerMethodField()

    class Meta:
        model = Assignment
        fields = ["id", "application", "cycle", "city", "city_name", "reviewer", "reviewer_username", "status",
                  "due_date", "declared_at", "conflict_reason", "override_reason", "assigned_at", "review"]

    def get_review(self, obj) -> int | None:
        review = getattr(obj, "review", None)  # a missing reverse one-to-one raises an AttributeError
        return review.pk if review is not None else None


class AssignSerializer(serializers.Serializer):
    application = serializers.IntegerField(help_text=gettext_lazy("Id of the application"))
    reviewer = serializers.PrimaryKeyRelatedField(queryset=reviewers())
    due_date = serializers.DateField()
    override_reason = serializers.CharField(max_length=1000, allow_blank=True, default="", help_text=gettext_lazy(
        "Required to assign a reviewer despite a conflict rule"))


class AutoAssignSerializer(ReviewCycleSerializer):
    per_application = serializers.IntegerField(min_value=1, max_value=30, allow_null=True, default=None,
                                               help_text=gettext_lazy("The rubric's number when empty"))
    due_date = serializers.DateField()


class SkipSerializer(serializers.Serializer):
    reviewer = serializers.IntegerField(source="reviewer.pk")
    application = serializers.IntegerField(source="application.pk")
    reason = serializers.CharField()
    message = serializers.CharField(source="__str__")


class ShortfallSerializer(serializers.Serializer):
    application = serializers.IntegerField(source="application.pk")
    assigned = serializers.IntegerField()
    wanted = serializers.IntegerField()
    message = serializers.CharField(source="__str__")


class AutoAssignResultSerializer(serializers.Serializer):
    created = AssignmentSerializer(many=True)
    skipped = SkipSerializer(many=True)
    unfilled = ShortfallSerializer(many=True)


class ReviewReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000)


class ReassignSerializer(ReviewReasonSerializer):
    reviewer = serializers.PrimaryKeyRelatedField(queryset=reviewers())
    override_reason = serializers.CharField(max_length=1000, allow_blank=True, default="")
    due_date = serializers.DateField(allow_null=True, default=None)


# --- reviews ------------------------------------------------------------------------------------------------


class ScoreSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="criterion.code", read_only=True)
    name = serializers.CharField(source="criterion.name", read_only=True)

    class Meta:
        model = Score
        fields = ["criterion", "code", "name", "max_points", "points", "comment"]


class ReviewSerializer(serializers.ModelSerializer):
    """One reviewer's own review (national staff read every review)."""

    application = serializers.IntegerField(source="assignment.application_id", read_only=True)
    cycle = serializers.IntegerField(source="assignment.application.cycle_id", read_only=True)
    city = serializers.CharField(source="assignment.application.city.code", read_only=True)
    reviewer = serializers.IntegerField(source="assignment.reviewer_id", read_only=True)
    reviewer_username = serializers.CharField(source="assignment.reviewer.username", read_only=True)
    is_submitted = serializers.BooleanField(read_only=True)
    total = serializers.SerializerMethodField()
    scores = ScoreSerializer(many=True, read_only=True)

    class Meta:
        model = Review
        fields = ["id", "assignment", "application", "cycle", "city", "reviewer", "reviewer_username", "snapshot",
                  "opinion", "recommendation", "submitted_at", "is_submitted", "reopened_reason", "updated_at",
                  "total", "scores"]

    @extend_schema_field(serializers.DecimalField(max_digits=7, decimal_places=2))
    def get_total(self, obj) -> str:
        return str(sum((s.points for s in obj.scores.all() if s.points is not None), Decimal("0.00")))


class ReviewOpenSerializer(serializers.Serializer):
    assignment = serializers.IntegerField(help_text=gettext_lazy("Id of your assignment (no conflict declared)"))


class ScoreInputSerializer(serializers.Serializer):
    criterion = serializers.IntegerField()
    points = points(min_value=0, allow_null=True, default=None, help_text=gettext_lazy("Null: not scored"))
    comment = serializers.CharField(allow_blank=True, default="")


class ReviewScoresSerializer(serializers.Serializer):
    """The points and comments of the subjective criteria sent (others unchanged), the opinion and the
    recommendation. Each point is checked against its criterion here, so errors come by item."""

    scores = ScoreInputSerializer(many=True)
    opinion = serializers.CharField(allow_blank=True)
    recommendation = serializers.ChoiceField(choices=Recommendation.choices)

    def validate_scores(self, items: list[dict]) -> list[dict]:
        scored = {s.criterion_id: s for s in self.context["review"].scores.all()}
        errors = [{} for _item in items]
        for item, error in zip(items, errors):
            row = scored.get(item["criterion"])
            if row is None:
                error["criterion"] = [_("These criteria are not scored by reviewers: %(ids)s.")
                                      % {"ids": item["criterion"]}]
            elif item["points"] is not None and item["points"] > row.max_points:
                error["points"] = [_("“%(criterion)s”: at most %(max)s points.")
                                   % {"criterion": row.criterion, "max": row.max_points}]
        if any(errors):
            raise serializers.ValidationError(errors)
        return items


class ReviewScoresPatchSerializer(ReviewScoresSerializer):
    scores = ScoreInputSerializer(many=True, required=False)
    opinion = serializers.CharField(allow_blank=True, required=False)
    recommendation = serializers.ChoiceField(choices=Recommendation.choices, required=False)


# --- results and decisions ----------------------------------------------------------------------------------


class RankingRowSerializer(serializers.Serializer):
    """A cycle's statistics of one application (``reviews.aggregation.ApplicationStats``)."""

    application = serializers.IntegerField(source="application.pk")
    city = serializers.CharField(source="application.city.code")
    city_name = serializers.CharField(source="application.city.full_name")
    state = serializers.CharField(source="application.state")
    level_group = serializers.CharField()
    reviews = serializers.SerializerMethodField()
    objective = points(allow_null=True)
    mean = points(allow_null=True)
    median = points(allow_null=True)
    trimmed_mean = points(allow_null=True)
    std_dev = points(allow_null=True)
    spread = points(allow_null=True)
    counted = points(allow_null=True)
    final = points(allow_null=True)
    outliers = serializers.ListField(child=serializers.IntegerField(), help_text=gettext_lazy(
        "Reviewers whose total is further from the mean than the rubric's threshold"))
    rank = serializers.IntegerField(allow_null=True)
    level_rank = serializers.IntegerField(allow_null=True)
    suggestion = serializers.CharField(help_text=gettext_lazy("approve, discuss, reject, or empty"))

    def get_reviews(self, obj) -> int:
        return len(obj.totals)


class RankingSerializer(serializers.Serializer):
    cycle = serializers.IntegerField(source="pk")
    title = serializers.CharField()
    results_published_at = serializers.DateTimeField(allow_null=True)
    rows = RankingRowSerializer(many=True)


class PublishedChangeSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    on = serializers.DateField()
    ban_until = serializers.DateField(allow_null=True)


class PublishedRowSerializer(serializers.Serializer):
    """One published line (reviews.outcomes): what was decided, and what holds now if a later event changed it."""

    application = serializers.IntegerField(source="application.pk")
    city = serializers.CharField(source="city.code")
    city_name = serializers.CharField(source="city.full_name")
    outcome = serializers.CharField(source="current_code", help_text=gettext_lazy(
        "What holds now: approved, renewed, rectification, revoked, title_revoked, cancelled or disqualified"))
    outcome_label = serializers.CharField(source="current_label")
    decided = serializers.CharField(source="code", help_text=gettext_lazy("What the decision itself did"))
    decided_label = serializers.CharField(source="label")
    decided_on = serializers.DateField(allow_null=True)
    document_number = serializers.CharField()
    change = PublishedChangeSerializer(allow_null=True)
    rectification_deadline = serializers.DateField(allow_null=True)
    ban_until = serializers.DateField(allow_null=True)
    designation = serializers.IntegerField(source="designation.pk", allow_null=True, default=None)
    tier = serializers.CharField(source="designation.tier", allow_null=True, default=None)
    term_start = serializers.DateField(allow_null=True)
    term_end = serializers.DateField(allow_null=True)


class PublishedResultSerializer(serializers.Serializer):
    """A cycle's published results, as on the public results page (rejections are not listed)."""

    id = serializers.IntegerField()
    kind = serializers.CharField()
    year = serializers.IntegerField()
    title = serializers.CharField()
    document_number = serializers.CharField()
    notice_title = serializers.CharField()
    citation = serializers.CharField()
    results_published_at = serializers.DateTimeField()
    rows = serializers.SerializerMethodField()

    @extend_schema_field(PublishedRowSerializer(many=True))
    def get_rows(self, obj):
        return PublishedRowSerializer(self.context["rows"][obj.pk], many=True).data


class DecisionSerializer(serializers.ModelSerializer):
    cycle = serializers.IntegerField(source="application.cycle_id", read_only=True)
    city = serializers.CharField(source="application.city.code", read_only=True)

    class Meta:
        model = Decision
        fields = ["id", "application", "cycle", "city", "outcome", "effect", "rationale", "document_number",
                  "decided_on", "final_score", "rank", "designation", "decided_by", "decided_at"]


class DecideSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    rationale = serializers.CharField()
    term_start = serializers.DateField(allow_null=True, default=None, help_text=gettext_lazy(
        "Start of the title's term (the decision date, or the day after the old term, by default)"))
    document_number = serializers.CharField(max_length=80, allow_blank=True, default="", help_text=gettext_lazy(
        "Document number of the decision, carried onto the title"))
    decided_on = serializers.DateField(allow_null=True, default=None, help_text=gettext_lazy(
        "Date of the decision (today by default); terms and deadlines run from it"))


# Ids are 64-bit in every database: a larger number is refused as input instead of overflowing the query.
MAX_ID = 2**63 - 1


class DecideOneSerializer(DecideSerializer):
    application = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text=gettext_lazy("Id of the application"))


class DecideManySerializer(DecideSerializer):
    applications = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=MAX_ID), min_length=1,
                                         help_text=gettext_lazy(
        "Ids of applications of one cycle: all are decided, or none"))


# --- annual assessments -------------------------------------------------------------------------------------


class AssessmentSerializer(serializers.ModelSerializer):
    city = serializers.SlugRelatedField(slug_field="code", read_only=True)
    city_name = serializers.CharField(source="city.full_name", read_only=True)

    class Meta:
        model = AnnualAssessment
        fields = ["id", "city", "city_name", "year", "kind", "score", "grade", "rank", "recorded_by", "recorded_at"]


class AssessmentRecordSerializer(serializers.Serializer):
    city = serializers.SlugRelatedField(slug_field="code", queryset=City.objects.all(),
                                        help_text=gettext_lazy("Administrative code of the city"))
    year = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=AssessmentKind.choices)
    score = points(min_value=0, allow_null=True, default=None)
    grade = serializers.ChoiceField(choices=Grade.choices, allow_blank=True, default="")
    rank = serializers.IntegerField(min_value=1, allow_null=True, default=None)


# --- reports ------------------------------------------------------------------------------------------------


class ReportRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ReportKind.choices)
    object_id = serializers.IntegerField(help_text=gettext_lazy(
        "Id of the cycle, the review or the application the report is about"))


class ReportSerializer(serializers.ModelSerializer):
    available = serializers.SerializerMethodField(help_text=gettext_lazy("Ready to download"))
    under_way = serializers.SerializerMethodField(help_text=gettext_lazy("Waiting or being generated"))

    class Meta:
        model = GeneratedFile
        fields = ["id", "kind", "object_id", "status", "progress", "filename", "sha256", "expires_at", "created_at",
                  "updated_at", "available", "under_way"]

    def get_available(self, obj) -> bool:
        return is_available(obj)

    def get_under_way(self, obj) -> bool:
        return is_under_way(obj)


# --- reviewer profiles --------------------------------------------------------------------------------------


class ReviewerProfileSerializer(serializers.Serializer):
    """A reviewer with their profile (described by their reviewer membership until one is stored)."""

    id = serializers.IntegerField(source="user.pk", help_text=gettext_lazy("Id of the reviewer's account"))
    username = serializers.CharField(source="user.username")
    full_name = serializers.CharField(source="user.full_name")
    expertise = serializers.ListField(child=serializers.CharField())
    province = serializers.CharField(source="province.code", allow_null=True, default=None)
    city = serializers.CharField(source="city.code", allow_null=True, default=None)
    employer = serializers.CharField()
    title = serializers.CharField()
    available = serializers.BooleanField()
    stored = serializers.SerializerMethodField(help_text=gettext_lazy("False while described by the membership"))
    # Stored encrypted: masked here as on the reviewer list, never in full.
    phone = serializers.SerializerMethodField(help_text=gettext_lazy("Telephone, masked (138****5678)"))
    email = serializers.SerializerMethodField(help_text=gettext_lazy("E-mail address, masked (z***@example.cn)"))

    def to_representation(self, instance):
        return super().to_representation(profile_for(instance))

    def get_stored(self, obj) -> bool:
        return obj.pk is not None

    def get_phone(self, obj) -> str:
        return mask_phone(obj.user.phone)

    def get_email(self, obj) -> str:
        return mask_email(obj.user.email)


class ReviewerProfileInputSerializer(serializers.Serializer):
    expertise = serializers.ListField(child=serializers.CharField(max_length=40), max_length=20, default=list)
    province = serializers.SlugRelatedField(slug_field="code", queryset=Province.objects.all(), allow_null=True,
                                            default=None)
    city = serializers.SlugRelatedField(slug_field="code", queryset=City.objects.all(), allow_null=True,
                                        default=None)
    employer = serializers.CharField(max_length=120, allow_blank=True, default="")
    title = serializers.CharField(max_length=60, allow_blank=True, default="")
    available = serializers.BooleanField(default=True)
