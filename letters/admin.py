from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from letters.models import Letter


@admin.register(Letter)
class LetterAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "report", "kind", "version", "status", "issued_at"]
    list_filter = ["kind", "status"]
    search_fields = ["reference", "report__title"]
    list_select_related = ["report"]
    readonly_fields = ["checksum", "snapshot", "issued_pdf", "issued_at", "issued_by"]
