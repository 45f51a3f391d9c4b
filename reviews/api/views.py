"""API of the expert review: rubrics, assignments, scoring (blind), rankings, decisions and publication,
annual assessments, background reports and reviewer profiles.

Reads go through the selectors (out of scope = 404); writes call the same services as the pages, after
the same permission check the page makes (in scope without the right = 403).
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from cities.services import require
from evaluations.models import Cycle
from evaluations.selectors import applications_visible_to, cycles_visible_to
from ipcity.api import validated
from reviews.api import filters as f
from reviews.api import serializers as s
from reviews.enums import AssignmentStatus
from reviews.models import Criterion, GeneratedFile, Review, Score
from reviews.outcomes import published_outcomes
from reviews.selectors import (
    assessments_visible_to,
    assignments_visible_to,
    decisions_visible_to,
    reviews_visible_to,
    rubrics_visible_to,
)
from reviews.services import assignments as assignment_services
from reviews.services import rubrics as rubric_services
from reviews.services.assessments import record_assessment
from reviews.services.decisions import cycle_ranking, decide, decide_many, publish_cycle_results
from reviews.services.reports import is_available, report_targets_visible_to, request_report, visible_target
from reviews.services.reviewers import reviewers, upsert_reviewer_profile
from reviews.services.scoring import open_review, reopen_review, save_scores, submit_review
from reviews.views.reports import report_response

NATIONAL = "evaluations.act_as_national"
MANAGE_ASSIGNMENTS = "reviews.manage_assignments"
SCORE = "reviews.score_review"


def _created(data) -> Response:
    return Response(data, status=status.HTTP_201_CREATED)


def _cycle(request) -> Cycle:
    """The cycle a ``{"cycle": id}`` body names, within the user's scope."""
    return get_object_or_404(cycles_visible_to(request.user), pk=validated(s.ReviewCycleSerializer, request)["cycle"])


# --- rubrics ------------------------------------------------------------------------------------------------


class RubricViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """A cycle's indicator system. National staff build it (until it is frozen); reviewers read the rubric of
    the cycles where an application is open to them."""

    serializer_class = s.RubricSerializer
    filterset_class = f.RubricFilter
    ordering_fields = ["created_at", "cycle__year"]
    ordering = ["-cycle__year", "-id"]

    def get_queryset(self):
        return rubrics_visible_to(self.request.user).prefetch_related(
            Prefetch("criteria", queryset=Criterion.objects.order_by("position")))

    def _shown(self, rubric, status_code=status.HTTP_200_OK) -> Response:
        return Response(s.RubricSerializer(self.get_queryset().get(pk=rubric.pk)).data, status=status_code)

    @extend_schema(request=s.ReviewCycleSerializer, responses={201: s.RubricSerializer},
                   summary="Create the default rubric of a cycle (national staff)")
    def create(self, request, *args, **kwargs):
        cycle = _cycle(request)
        rubric = rubric_services.create_default_rubric(cycle, by=request.user)
        return self._shown(rubric, status.HTTP_201_CREATED)

    @extend_schema(request=s.RubricSettingsSerializer, responses=s.RubricSerializer,
                   summary="Change the rubric's settings (national staff)")
    @action(detail=True, methods=["put"], url_path="settings")
    def change_settings(self, request, pk=None):
        rubric = self.get_object()
        require(request.user, rubric_services.PERM)
        rubric_services.set_rubric_settings(rubric, by=request.user, **validated(s.RubricSettingsSerializer, request))
        return self._shown(rubric)

    @extend_schema(request=None, responses=s.RubricSerializer, summary="Freeze the rubric (national staff)")
    @action(detail=True, methods=["post"])
    def freeze(self, request, pk=None):
        return self._shown(rubric_services.freeze_rubric(self.get_object(), by=request.user))

    @extend_schema(request=s.ReviewCycleSerializer, responses={201: s.RubricSerializer},
                   summary="Copy this rubric to another cycle, replacing its unfrozen rubric (national staff)")
    @action(detail=True, methods=["post"])
    def copy(self, request, pk=None):
        source = self.get_object()
        require(request.user, rubric_services.PERM)
        target = _cycle(request)
        return self._shown(rubric_services.copy_rubric(source.cycle, target, by=request.user),
                           status.HTTP_201_CREATED)


class CriterionViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Criteria of the rubrics you may read; national staff add, change and delete them until the rubric is
    frozen (codes and positions are renumbered by the service)."""

    serializer_class = s.CriterionSerializer

    def get_queryset(self):
        return Criterion.objects.filter(rubric__in=rubrics_visible_to(self.request.user))

    @extend_schema(request=s.CriterionCreateSerializer, responses={201: s.CriterionSerializer},
                   summary="Add a criterion (national staff)")
    def create(self, request):
        data = validated(s.CriterionCreateSerializer, request)
        rubric = get_object_or_404(rubrics_visible_to(request.user), pk=data.pop("rubric"))
        return _created(s.CriterionSerializer(rubric_services.add_criterion(rubric, by=request.user, **data)).data)

    @extend_schema(request=s.CriterionChangeSerializer, responses=s.CriterionSerializer,
                   summary="Change a criterion (national staff)")
    def partial_update(self, request, pk=None):
        criterion = self.get_object()
        require(request.user, rubric_services.PERM)
        changes = validated(s.CriterionChangeSerializer, request)
        return Response(s.CriterionSerializer(rubric_services.update_criterion(criterion, changes=changes,
                                                                               by=request.user)).data)

    @extend_schema(request=None, responses={204: None}, summary="Delete a criterion and its sub-criteria "
                                                                "(national staff)")
    def destroy(self, request, pk=None):
        rubric_services.delete_criterion(self.get_object(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- assignments --------------------------------------------------------------------------------------------


class AssignmentViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """National staff see and manage every assignment; a reviewer sees their own and declares on it."""

    serializer_class = s.AssignmentSerializer
    filterset_class = f.AssignmentFilter
    ordering_fields = ["due_date", "assigned_at"]
    ordering = ["due_date", "id"]

    def get_queryset(self):
        return assignments_visible_to(self.request.user).select_related("reviewer", "review")

    def _shown(self, assignment, status_code=status.HTTP_200_OK) -> Response:
        return Response(s.AssignmentSerializer(self.get_queryset().get(pk=assignment.pk)).data, status=status_code)

    @extend_schema(request=s.AssignSerializer, responses={201: s.AssignmentSerializer},
                   summary="Assign a reviewer (national staff)")
    def create(self, request, *args, **kwargs):
        require(request.user, MANAGE_ASSIGNMENTS)
        data = validated(s.AssignSerializer, request)
        application = get_object_or_404(applications_visible_to(request.user), pk=data.pop("application"))
        assignment = assignment_services.assign_reviewer(application, data.pop("reviewer"), by=request.user, **data)
        return self._shown(assignment, status.HTTP_201_CREATED)

    @extend_schema(request=s.AutoAssignSerializer, responses=s.AutoAssignResultSerializer,
                   summary="Top every application of a cycle up to N reviewers (national staff)")
    @action(detail=False, methods=["post"], url_path="auto-assign")
    def auto_assign(self, request):
        require(request.user, MANAGE_ASSIGNMENTS)
        data = validated(s.AutoAssignSerializer, request)
        cycle = get_object_or_404(cycles_visible_to(request.user), pk=data.pop("cycle"))
        result = assignment_services.auto_assign(cycle, by=request.user, **data)
        return Response(s.AutoAssignResultSerializer(result).data)

    @extend_schema(request=s.ReviewReasonSerializer, responses={204: None},
                   summary="Withdraw an assignment not yet submitted (national staff)")
    @action(detail=True, methods=["post"])
    def unassign(self, request, pk=None):
        assignment = self.get_object()
        require(request.user, MANAGE_ASSIGNMENTS)
        assignment_services.unassign(assignment, by=request.user, **validated(s.ReviewReasonSerializer, request))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=s.ReassignSerializer, responses={201: s.AssignmentSerializer},
                   summary="Give the slot to another reviewer (national staff)")
    @action(detail=True, methods=["post"])
    def reassign(self, request, pk=None):
        assignment = self.get_object()
        require(request.user, MANAGE_ASSIGNMENTS)
        data = validated(s.ReassignSerializer, request)
        created = assignment_services.reassign(assignment, data.pop("reviewer"), by=request.user, **data)
        return self._shown(created, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=s.AssignmentSerializer,
                   summary="Declare no conflict of interest: the application opens to you (reviewer)")
    @action(detail=True, methods=["post"], url_path="declare-no-conflict")
    def declare_no_conflict(self, request, pk=None):
        return self._shown(assignment_services.declare_no_conflict(self.get_object(), by=request.user))

    @extend_schema(request=s.ReviewReasonSerializer, responses=s.AssignmentSerializer,
                   summary="Declare a conflict of interest: the slot is freed (reviewer)")
    @action(detail=True, methods=["post"], url_path="declare-conflict")
    def declare_conflict(self, request, pk=None):
        assignment = self.get_object()
        require(request.user, "reviews.declare_assignment", assignment)
        return self._shown(assignment_services.declare_conflict(assignment, by=request.user,
                                                                **validated(s.ReviewReasonSerializer, request)))


# --- reviews (blind) -----------------------------------------------------------------------------------------


class ReviewViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """A reviewer reads and scores only their own review; national staff read every review and reopen a
    submitted one. A submitted review is locked."""

    serializer_class = s.ReviewSerializer
    filterset_class = f.ReviewFilter
    ordering_fields = ["updated_at", "submitted_at"]
    ordering = ["-updated_at", "-id"]

    def get_queryset(self):
        return reviews_visible_to(self.request.user).prefetch_related(
            Prefetch("scores", queryset=Score.objects.select_related("criterion")))

    def _shown(self, review, status_code=status.HTTP_200_OK) -> Response:
        return Response(s.ReviewSerializer(self.get_queryset().get(pk=review.pk)).data, status=status_code)

    @extend_schema(request=s.ReviewOpenSerializer, responses={200: s.ReviewSerializer, 201: s.ReviewSerializer},
                   summary="Open your review of an assignment (created on first opening)")
    def create(self, request, *args, **kwargs):
        pk = validated(s.ReviewOpenSerializer, request)["assignment"]
        assignment = get_object_or_404(assignments_visible_to(request.user).exclude(status=AssignmentStatus.CONFLICT),
                                       pk=pk)
        existed = Review.objects.filter(assignment=assignment).exists()
        review = open_review(assignment, by=request.user)
        return self._shown(review, status.HTTP_200_OK if existed else status.HTTP_201_CREATED)

    def _save(self, request, serializer_class) -> Response:
        review = self.get_object()
        require(request.user, SCORE, review)
        data = validated(serializer_class, request, review=review)
        scores = {row["criterion"]: (row["points"], row["comment"]) for row in data.get("scores", [])}
        save_scores(review, scores=scores, opinion=data.get("opinion", review.opinion),
                    recommendation=data.get("recommendation", review.recommendation), by=request.user)
        return self._shown(review)

    @extend_schema(request=s.ReviewScoresSerializer, responses=s.ReviewSerializer,
                   summary="Save the draft: points, comments, opinion and recommendation (your own review)")
    def update(self, request, pk=None):
        return self._save(request, s.ReviewScoresSerializer)

    @extend_schema(request=s.ReviewScoresPatchSerializer, responses=s.ReviewSerializer,
                   summary="Save part of the draft (your own review)")
    def partial_update(self, request, pk=None):
        return self._save(request, s.ReviewScoresPatchSerializer)

    @extend_schema(request=None, responses=s.ReviewSerializer, summary="Submit your review (it is locked afterwards)")
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._shown(submit_review(self.get_object(), by=request.user))

    @extend_schema(request=s.ReviewReasonSerializer, responses=s.ReviewSerializer,
                   summary="Reopen a submitted review with a reason (national staff)")
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        review = self.get_object()
        require(request.user, "reviews.reopen_review", review)
        return self._shown(reopen_review(review, by=request.user, **validated(s.ReviewReasonSerializer, request)))


# --- rankings, published results, decisions -----------------------------------------------------------------


class RankingViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A cycle's aggregated scores and ranking (national staff; empty rows until the cycle has a rubric)."""

    serializer_class = s.RankingSerializer

    def get_queryset(self):
        cycles = cycles_visible_to(self.request.user).select_related("rubric")
        return cycles if self.request.user.has_perm(NATIONAL) else cycles.none()

    @extend_schema(responses=s.RankingSerializer, summary="A cycle's scores and ranking (national staff)")
    def retrieve(self, request, *args, **kwargs):
        cycle = self.get_object()
        cycle.rows = cycle_ranking(cycle)
        return Response(s.RankingSerializer(cycle).data)


class ResultViewSet(viewsets.ReadOnlyModelViewSet):
    """Published results (公示): the same as the public results page, for every signed-in user."""

    serializer_class = s.PublishedResultSerializer
    filterset_class = f.ResultFilter
    ordering_fields = ["year", "results_published_at"]
    ordering = ["-year", "kind"]

    def get_queryset(self):
        return Cycle.objects.filter(results_published_at__isnull=False)

    def _data(self, cycles, **kwargs):
        cycles = list(cycles)
        return s.PublishedResultSerializer(cycles, context={"rows": published_outcomes(cycles)}, **kwargs).data

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self._data(page, many=True))

    def retrieve(self, request, *args, **kwargs):
        return Response(self._data([self.get_object()], many=True)[0])

    @extend_schema(request=s.PublishSerializer, responses=s.PublishedResultSerializer,
                   summary="Publish a cycle's results once every application is decided (national staff)")
    @action(detail=False, methods=["post"])
    def publish(self, request):
        require(request.user, NATIONAL)
        data = validated(s.PublishSerializer, request)
        cycle = get_object_or_404(cycles_visible_to(request.user), pk=data["cycle"])
        published = publish_cycle_results(cycle, by=request.user, confirm_missing=data["confirm_missing"])
        return Response(self._data([published], many=True)[0])


class DecisionViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """The national administration's decisions, with their rationale (national staff). Deciding moves the
    application and changes the city's title; outcomes stay hidden from cities until publication."""

    serializer_class = s.DecisionSerializer
    filterset_class = f.DecisionFilter
    ordering_fields = ["decided_at", "final_score", "rank"]
    ordering = ["-decided_at", "-id"]

    def get_queryset(self):
        return decisions_visible_to(self.request.user)

    @extend_schema(request=s.DecideOneSerializer, responses={201: s.DecisionSerializer},
                   summary="Decide an application (national staff)")
    def create(self, request, *args, **kwargs):
        require(request.user, NATIONAL)
        data = validated(s.DecideOneSerializer, request)
        application = get_object_or_404(applications_visible_to(request.user), pk=data.pop("application"))
        return _created(s.DecisionSerializer(decide(application, by=request.user, **data)).data)

    @extend_schema(request=s.DecideManySerializer, responses={201: s.DecisionSerializer(many=True)},
                   summary="Decide several applications of one cycle the same way: all or none (national staff)")
    @action(detail=False, methods=["post"], url_path="decide-many")
    def decide_many(self, request):
        require(request.user, NATIONAL)
        data = validated(s.DecideManySerializer, request)
        wanted = set(data.pop("applications"))
        applications = list(applications_visible_to(request.user).filter(pk__in=wanted))
        if len(applications) != len(wanted):
            raise Http404
        decisions = decide_many(applications, by=request.user, **data)
        return _created(s.DecisionSerializer(decisions, many=True).data)


# --- annual assessments -------------------------------------------------------------------------------------


class AssessmentViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Annual assessments and patent-strength evaluations of cities (national staff)."""

    serializer_class = s.AssessmentSerializer
    filterset_class = f.AssessmentFilter
    ordering_fields = ["year", "score", "rank"]
    ordering = ["-year", "city__code", "kind"]

    def get_queryset(self):
        return assessments_visible_to(self.request.user)

    @extend_schema(request=s.AssessmentRecordSerializer, responses={201: s.AssessmentSerializer},
                   summary="Enter or correct a city's record of one year and kind (national staff)")
    def create(self, request, *args, **kwargs):
        require(request.user, NATIONAL)
        data = validated(s.AssessmentRecordSerializer, request)
        return _created(s.AssessmentSerializer(record_assessment(data.pop("city"), by=request.user, **data)).data)


# --- reports --------------------------------------------------------------------------------------------------


class ReportViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Reports made in the background: request one, poll its progress, download it when ready. Who may have
    which report is the pages' rule (``reviews.services.reports.may_get_report``)."""

    serializer_class = s.ReportSerializer
    queryset = GeneratedFile.objects.all()

    def get_object(self):
        generated = super().get_object()
        if visible_target(self.request.user, generated) is None:
            raise Http404
        return generated

    @extend_schema(request=s.ReportRequestSerializer, responses={202: s.ReportSerializer},
                   summary="Request a report (made in the background; poll it, then download it)")
    def create(self, request):
        data = validated(s.ReportRequestSerializer, request)
        target = get_object_or_404(report_targets_visible_to(request.user, data["kind"]), pk=data["object_id"])
        generated = request_report(data["kind"], target, by=request.user)
        return Response(s.ReportSerializer(generated).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={(200, "*/*"): OpenApiResponse(OpenApiTypes.BINARY)},
                   summary="Download a ready report")
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        generated = self.get_object()
        if not is_available(generated):
            raise Http404
        return report_response(generated, request.user)


# --- reviewer profiles -------------------------------------------------------------------------------------------


class ReviewerProfileViewSet(viewsets.ReadOnlyModelViewSet):
    """Reviewers with their expertise, affiliation and availability (national staff); ``id`` is the account's."""

    serializer_class = s.ReviewerProfileSerializer
    filterset_class = f.ReviewerProfileFilter
    ordering_fields = ["username"]
    ordering = ["username"]

    def get_queryset(self):
        return reviewers() if self.request.user.has_perm(MANAGE_ASSIGNMENTS) else reviewers().none()

    @extend_schema(request=s.ReviewerProfileInputSerializer, responses=s.ReviewerProfileSerializer,
                   summary="Create or replace a reviewer's profile (national staff)")
    def update(self, request, pk=None):
        reviewer = self.get_object()
        require(request.user, MANAGE_ASSIGNMENTS)
        upsert_reviewer_profile(reviewer, by=request.user, **validated(s.ReviewerProfileInputSerializer, request))
        return Response(s.ReviewerProfileSerializer(self.get_queryset().get(pk=reviewer.pk)).data)
