"""The API's deep-dive reviews: read, scoped by reviews_visible_to like the pages."""

from django_filters import rest_framework as filters
from rest_framework import generics, serializers

from reviews.models import DeepDiveReview
from reviews.selectors import reviews_visible_to


class ReviewSerializer(serializers.ModelSerializer):
    force = serializers.CharField(source="force.name")
    report_id = serializers.IntegerField(allow_null=True)
    performance_assurance = serializers.CharField(help_text="assured, partly_assured, …")
    plans_assurance = serializers.CharField(help_text="assured, partly_assured, …")

    class Meta:
        model = DeepDiveReview
        fields = [
            "id",
            "force",
            "report_id",
            "theme",
            "held_on",
            "status",
            "findings",
            "performance_assurance",
            "plans_assurance",
            "revisit_on",
        ]


class ReviewFilter(filters.FilterSet):
    class Meta:
        model = DeepDiveReview
        fields = {"force": ["exact"], "status": ["exact"], "report": ["exact"]}


class ReviewList(generics.ListAPIView):
    serializer_class = ReviewSerializer
    filterset_class = ReviewFilter

    def get_queryset(self):
        return reviews_visible_to(self.request.user).select_related("force").order_by("-pk")


class ReviewDetail(generics.RetrieveAPIView):
    serializer_class = ReviewSerializer

    def get_queryset(self):
        return reviews_visible_to(self.request.user).select_related("force")
