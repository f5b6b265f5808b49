from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from simple_history.admin import SimpleHistoryAdmin

from oversight.models import (
    CauseOfConcern,
    Finding,
    Force,
    InspectionReport,
    Judgement,
    Office,
    PartnerAgency,
    PriorityArea,
    User,
)


@admin.register(User)
class OversightUserAdmin(UserAdmin):
    list_display = ["username", "first_name", "last_name", "email", "role", "is_active"]
    list_filter = ["role", "office", "force", "partner_agency", "is_active"]
    list_select_related = ["office", "force", "partner_agency"]
    fieldsets = [
        *UserAdmin.fieldsets,
        (
            "Organisation and role",
            {"fields": ["role", "office", "force", "partner_agency", "job_title", "manager"]},
        ),
        ("Reminders", {"fields": ["email_reminders", "digest_frequency"]}),
    ]


@admin.register(Force)
class ForceAdmin(admin.ModelAdmin):
    search_fields = ["name", "short_name"]
    list_display = ["name", "short_name", "chief_constable"]


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    search_fields = ["name"]
    list_display = ["name", "slug", "commissioner"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["forces"]


@admin.register(PartnerAgency)
class PartnerAgencyAdmin(admin.ModelAdmin):
    search_fields = ["name"]
    list_display = ["name", "kind"]
    list_filter = ["kind"]
    filter_horizontal = ["forces"]


class PriorityAreaInline(admin.TabularInline):
    model = PriorityArea
    extra = 0


class JudgementInline(admin.TabularInline):
    model = Judgement
    extra = 0


@admin.register(InspectionReport)
class InspectionReportAdmin(SimpleHistoryAdmin):
    list_display = ["title", "force", "source", "programme", "published_on", "status"]
    list_filter = ["force", "source", "programme", "status", "published_on"]
    search_fields = ["title", "summary"]
    list_select_related = ["force"]
    date_hierarchy = "published_on"
    inlines = [PriorityAreaInline, JudgementInline]
    autocomplete_fields = ["parent"]
    # The report's PDF comes in only through the report's edit page, which checks it.
    readonly_fields = ["report_file"]


@admin.register(PriorityArea)
class PriorityAreaAdmin(SimpleHistoryAdmin):
    list_display = ["title", "report", "position", "opcc_lead"]
    list_filter = ["report__force"]
    search_fields = ["title", "report__title"]
    list_select_related = ["report", "opcc_lead"]


@admin.register(CauseOfConcern)
class CauseOfConcernAdmin(SimpleHistoryAdmin):
    list_display = ["reference", "report", "status"]
    list_filter = ["status", "report__force"]
    search_fields = ["reference", "text"]
    list_select_related = ["report"]


@admin.register(Finding)
class FindingAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "report", "kind"]
    list_filter = ["kind", "report__force"]
    search_fields = ["text"]
    list_select_related = ["report"]


@admin.register(Judgement)
class JudgementAdmin(SimpleHistoryAdmin):
    list_display = ["topic", "grade", "report"]
    list_filter = ["grade"]
    search_fields = ["topic"]
