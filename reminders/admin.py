from django.contrib import admin

from reminders.models import Reminder


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = ["title", "what", "stage", "due_on", "recipient", "sent_at", "read_at"]
    list_filter = ["stage", "what", "sent_at"]
    search_fields = ["title", "recipient__username"]
    list_select_related = ["recipient"]
