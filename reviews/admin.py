from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from reviews.models import (
    ActionSample,
    DeepDiveReview,
    FollowUp,
    Investment,
    LineOfEnquiry,
    ReviewEvidence,
)


class LineOfEnquiryInline(admin.TabularInline):
    model = LineOfEnquiry
    extra = 0


class FollowUpInline(admin.TabularInline):
    model = FollowUp
    extra = 0
    raw_id_fields = ["recommendation", "owner"]


@admin.register(DeepDiveReview)
class DeepDiveReviewAdmin(SimpleHistoryAdmin):
    list_display = ["theme", "force", "held_on", "performance_assurance", "plans_assurance"]
    list_filter = ["force", "performance_assurance", "plans_assurance", "status"]
    search_fields = ["theme", "findings"]
    list_select_related = ["force"]
    inlines = [LineOfEnquiryInline, FollowUpInline]
    filter_horizontal = ["priority_areas"]


@admin.register(FollowUp)
class FollowUpAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "owner", "due_on", "status"]
    list_filter = ["status"]
    search_fields = ["description"]
    list_select_related = ["owner"]


@admin.register(ActionSample)
class ActionSampleAdmin(SimpleHistoryAdmin):
    list_display = ["action", "review", "verdict"]
    list_filter = ["verdict"]


@admin.register(ReviewEvidence)
class ReviewEvidenceAdmin(admin.ModelAdmin):
    list_display = ["__str__", "review", "size"]
    search_fields = ["title", "original_name"]
    # Files come in only through the upload form, which checks them.
    readonly_fields = ["file", "original_name", "content_type", "size", "sha256"]


@admin.register(Investment)
class InvestmentAdmin(SimpleHistoryAdmin):
    list_display = ["title", "force", "amount", "awarded_on", "status"]
    list_filter = ["status", "force"]
    search_fields = ["title", "purpose"]
    filter_horizontal = ["recommendations"]
