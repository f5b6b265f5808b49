from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from recommendations.models import (
    Action,
    ActionPlan,
    Evidence,
    ProgressUpdate,
    Recommendation,
)


@admin.register(Recommendation)
class RecommendationAdmin(SimpleHistoryAdmin):
    list_display = ["reference", "report", "kind", "timescale", "status", "inspectorate_status"]
    list_filter = ["status", "kind", "timescale", "inspectorate_status", "report__force"]
    search_fields = ["reference", "text", "report__title"]
    list_select_related = ["report"]
    filter_horizontal = ["priority_areas"]
    raw_id_fields = ["superseded_by", "cause_of_concern"]


@admin.register(ActionPlan)
class ActionPlanAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "force", "status", "owner"]
    list_filter = ["status", "force"]
    search_fields = ["title", "report__title"]
    list_select_related = ["report", "force", "owner"]


@admin.register(Action)
class ActionAdmin(SimpleHistoryAdmin):
    list_display = ["reference", "plan", "status", "rag", "delivery_lead", "next_update_due"]
    list_filter = ["status", "rag", "cadence", "plan__force", "partner_agency"]
    search_fields = ["reference", "description"]
    list_select_related = ["plan", "delivery_lead"]
    filter_horizontal = ["recommendations"]


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "author", "rag", "percent_complete", "review_state"]
    list_filter = ["review_state", "rag"]
    search_fields = ["narrative", "action__reference"]
    list_select_related = ["action", "author"]


@admin.register(Evidence)
class EvidenceAdmin(SimpleHistoryAdmin):
    list_display = ["original_name", "action", "content_type", "size", "uploaded_by"]
    search_fields = ["original_name"]
    list_select_related = ["action", "uploaded_by"]
    # Files come in only through the upload forms, which check them.
    readonly_fields = ["file", "original_name", "content_type", "size", "sha256"]
