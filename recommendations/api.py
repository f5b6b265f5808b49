"""The API's reports, recommendations, actions and progress updates, for organisations'
own tools: read with filters and pagination, and post a progress update with its
evidence. Every read starts from the same `*_visible_to(user)` function as the pages, and
the update goes through the same service as the form, so the API can neither show nor do
more than the person's pages.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from oversight.models import InspectionReport
from oversight.selectors import reports_visible_to
from oversight.shared.uploads import check_upload
from recommendations.models import Action, ProgressUpdate, Rag, Recommendation
from recommendations.selectors import (
    actions_visible_to,
    recommendations_visible_to,
    updates_visible_to,
)
from recommendations.services_progress import progress_update_submit

# --- Serializers -----------------------------------------------------------------------

# A lead rates an update red, amber or green; blue (complete) is the OPCC's sign-off.
UPDATE_RAG_CHOICES = [(rag.value, rag.label) for rag in (Rag.RED, Rag.AMBER, Rag.GREEN)]


class ReportSerializer(serializers.ModelSerializer):
    force = serializers.CharField(source="force.name")

    class Meta:
        model = InspectionReport
        fields = [
            "id",
            "title",
            "force",
            "source",
            "programme",
            "issued_by",
            "published_on",
            "source_url",
            "status",
            "national_report_id",
            "section_55_due_on",
            "coroner_response_due_on",
            "action_plan_due_on",
        ]


class RecommendationSerializer(serializers.ModelSerializer):
    report_id = serializers.IntegerField()

    class Meta:
        model = Recommendation
        fields = [
            "id",
            "report_id",
            "reference",
            "publisher_reference",
            "kind",
            "text",
            "timescale",
            "due_on",
            "status",
            "inspectorate_status",
            "inspectorate_status_on",
            "force_acceptance",
            "covered_by_id",
            "national_recommendation_id",
        ]


class ActionSerializer(serializers.ModelSerializer):
    plan_id = serializers.IntegerField()
    recommendation_ids = serializers.SerializerMethodField()

    class Meta:
        model = Action
        fields = [
            "id",
            "plan_id",
            "reference",
            "description",
            "status",
            "rag",
            "target_date",
            "revised_target_date",
            "next_update_due",
            "recommendation_ids",
        ]

    def get_recommendation_ids(self, action) -> list[int]:
        return sorted(recommendation.pk for recommendation in action.recommendations.all())


class EvidenceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="original_name")
    size = serializers.IntegerField()
    sha256 = serializers.CharField()


class UpdateSerializer(serializers.ModelSerializer):
    action_id = serializers.IntegerField()
    evidence = EvidenceSerializer(many=True, read_only=True)

    class Meta:
        model = ProgressUpdate
        fields = [
            "id",
            "action_id",
            "written_on",
            "narrative",
            "rag",
            "percent_complete",
            "review_state",
            "evidence",
        ]


class UpdatePostSerializer(serializers.Serializer):
    """A progress update as the action page's form takes it."""

    narrative = serializers.CharField(max_length=20_000)
    rag = serializers.CharField(help_text="red, amber or green")

    def validate_rag(self, value: str) -> str:
        if value not in dict(UPDATE_RAG_CHOICES):
            raise serializers.ValidationError(
                "Give red, amber or green; blue (complete) is set when the OPCC signs it off."
            )
        return value

    percent_complete = serializers.IntegerField(min_value=0, max_value=100)
    evidence = serializers.ListField(
        child=serializers.FileField(), required=False, max_length=10, default=list
    )


# --- Filters ---------------------------------------------------------------------------


class ReportFilter(filters.FilterSet):
    class Meta:
        model = InspectionReport
        fields = {"force": ["exact"], "source": ["exact"], "status": ["exact"]}


class RecommendationFilter(filters.FilterSet):
    class Meta:
        model = Recommendation
        fields = {
            "report": ["exact"],
            "status": ["exact"],
            "kind": ["exact"],
            "inspectorate_status": ["exact"],
            "report__force": ["exact"],
        }


class ActionFilter(filters.FilterSet):
    recommendation = filters.NumberFilter(field_name="recommendations")

    class Meta:
        model = Action
        fields = {"plan": ["exact"], "status": ["exact"], "rag": ["exact"]}


class UpdateFilter(filters.FilterSet):
    class Meta:
        model = ProgressUpdate
        fields = {"action": ["exact"], "review_state": ["exact"]}


# --- Views -----------------------------------------------------------------------------


class ReportList(generics.ListAPIView):
    serializer_class = ReportSerializer
    filterset_class = ReportFilter

    def get_queryset(self):
        return reports_visible_to(self.request.user).select_related("force").order_by("-pk")


class ReportDetail(generics.RetrieveAPIView):
    serializer_class = ReportSerializer

    def get_queryset(self):
        return reports_visible_to(self.request.user).select_related("force")


class RecommendationList(generics.ListAPIView):
    serializer_class = RecommendationSerializer
    filterset_class = RecommendationFilter

    def get_queryset(self):
        return recommendations_visible_to(self.request.user).order_by("-pk")


class RecommendationDetail(generics.RetrieveAPIView):
    serializer_class = RecommendationSerializer

    def get_queryset(self):
        return recommendations_visible_to(self.request.user)


def _actions(user):
    return actions_visible_to(user).prefetch_related("recommendations").order_by("-pk")


class ActionList(generics.ListAPIView):
    serializer_class = ActionSerializer
    filterset_class = ActionFilter

    def get_queryset(self):
        return _actions(self.request.user).distinct()


class ActionDetail(generics.RetrieveAPIView):
    serializer_class = ActionSerializer

    def get_queryset(self):
        return _actions(self.request.user)


class UpdateList(generics.ListAPIView):
    serializer_class = UpdateSerializer
    filterset_class = UpdateFilter

    def get_queryset(self):
        return updates_visible_to(self.request.user).prefetch_related("evidence").order_by("-pk")


class UpdateDetail(generics.RetrieveAPIView):
    serializer_class = UpdateSerializer

    def get_queryset(self):
        return updates_visible_to(self.request.user).prefetch_related("evidence")


class ActionUpdatePost(generics.GenericAPIView):
    """Post a progress update on an action, with evidence files, as its lead would from
    the action page: the same rules, the same review by the OPCC."""

    serializer_class = UpdatePostSerializer
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self):
        return actions_visible_to(self.request.user)

    @extend_schema(request=UpdatePostSerializer, responses={201: UpdateSerializer})
    def post(self, request, pk: int):
        action = get_object_or_404(self.get_queryset(), pk=pk)
        incoming = self.get_serializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        values = incoming.validated_data
        try:
            uploads = [check_upload(file) for file in values["evidence"]]
            update = progress_update_submit(
                action=action,
                author=request.user,
                narrative=values["narrative"],
                rag=values["rag"],
                percent_complete=values["percent_complete"],
                uploads=uploads,
            )
        except PermissionDenied as refusal:
            raise exceptions.PermissionDenied(str(refusal) or None) from None
        except ValidationError as refusal:
            detail = refusal.message_dict if hasattr(refusal, "error_dict") else refusal.messages
            raise exceptions.ValidationError(detail) from None
        update = ProgressUpdate.objects.prefetch_related("evidence").get(pk=update.pk)
        return Response(UpdateSerializer(update).data, status=status.HTTP_201_CREATED)
