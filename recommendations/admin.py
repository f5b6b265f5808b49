from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from recommendations.models import (
    Action,
    ActionPlan,
    Evidence,
    ExtensionRequest,
    InspectorateStatusChange,
    ProgressUpdate,
    Recommendation,
)
from recommendations.trends import trend_quarters_forget


class _RewritesTrends:
    """A change here can rewrite past quarters' trend figures (a recommendation deleted or
    moved, an action deleted or linked to other recommendations): the stored quarters of
    the reports concerned are dropped in the same transaction (recommendations.trends)."""

    def _reports_of(self, obj) -> set[int]:
        if isinstance(obj, Action):
            return {obj.plan.report_id}
        if isinstance(obj, ActionPlan):
            return {obj.report_id}
        previous = Recommendation.objects.filter(pk=obj.pk).values_list("report_id", flat=True)
        return {obj.report_id, *previous}

    def save_model(self, request, obj, form, change):
        trend_quarters_forget(report_ids=self._reports_of(obj) if change else ())
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        trend_quarters_forget(report_ids=self._reports_of(form.instance))

    def delete_model(self, request, obj):
        trend_quarters_forget(report_ids=self._reports_of(obj))
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        trend_quarters_forget(report_ids={r for obj in queryset for r in self._reports_of(obj)})
        super().delete_queryset(request, queryset)


@admin.register(Recommendation)
class RecommendationAdmin(_RewritesTrends, SimpleHistoryAdmin):
    list_display = ["reference", "report", "kind", "timescale", "status", "inspectorate_status"]
    list_filter = ["status", "kind", "timescale", "inspectorate_status", "report__force"]
    search_fields = ["reference", "text", "report__title"]
    list_select_related = ["report"]
    filter_horizontal = ["priority_areas"]
    raw_id_fields = ["superseded_by", "cause_of_concern", "carried_forward_from"]
    # The inspectorate's status follows its dated log (InspectorateStatusChange): changed
    # here, the log and the status would disagree.
    readonly_fields = ["inspectorate_status", "inspectorate_status_on"]


@admin.register(InspectorateStatusChange)
class InspectorateStatusChangeAdmin(admin.ModelAdmin):
    list_display = ["recommendation", "status", "changed_on", "recorded_by"]
    list_filter = ["status"]
    list_select_related = ["recommendation", "recorded_by"]
    raw_id_fields = ["recommendation", "recorded_by"]

    # The log is written by recommendations.services.inspectorate_status_record only, so
    # the current status on the recommendation stays in step; here it is read.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ActionPlan)
class ActionPlanAdmin(_RewritesTrends, SimpleHistoryAdmin):
    list_display = ["__str__", "force", "status", "owner"]
    list_filter = ["status", "force"]
    search_fields = ["title", "report__title"]
    list_select_related = ["report", "force", "owner"]


@admin.register(Action)
class ActionAdmin(_RewritesTrends, SimpleHistoryAdmin):
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


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(SimpleHistoryAdmin):
    list_display = ["action", "from_date", "to_date", "decision", "requested_at", "decided_at"]
    list_filter = ["decision"]
    list_select_related = ["action"]
    raw_id_fields = ["action", "requested_by", "decided_by"]

    # Requests and decisions are made by recommendations.services_extensions only, so the
    # action's revised date follows the decision; here they are read.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
