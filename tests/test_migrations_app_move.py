"""Letters and reminders moved out of the recommendations app without touching a row.

A database migrated before the move (its migrations recorded under their old names, its
letters and reminders owned by the recommendations app) is migrated forward: every row is
still there, read through the new apps' models, and the content types (which permissions
and the reminders' subjects point at) moved with the models instead of being created anew.
"""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder

from letters.models import Letter
from recommendations.models import Action
from reminders.models import Reminder
from tests import factories

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.long]

BEFORE_THE_MOVE = [
    ("letters", None),
    ("reminders", None),
    ("recommendations", "0004_queue_indexes"),
]
LAST_BEFORE_THE_MOVE = [("recommendations", "0004_queue_indexes")]
# The names these migrations had before they were renamed.
OLD_NAMES = {
    ("oversight", "0002_report_published_index"): "0002_issue8_report_published_index",
    ("recommendations", "0002_letter_response_due_on"): "0002_issue6_letter_response_due_on",
    ("recommendations", "0003_letter_render_requested_by"): (
        "0003_issue9_letter_render_requested_by"
    ),
    ("recommendations", "0004_queue_indexes"): "0004_issue8_queue_indexes",
}


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


def migrate_to_the_end():
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def record_old_names():
    """Make the migration history look as it did before the renames."""
    recorder = MigrationRecorder(connection)
    for (app, new), old in OLD_NAMES.items():
        recorder.migration_qs.filter(app=app, name=new).delete()
        recorder.record_applied(app, old)


@pytest.fixture
def old_world(report_a, opcc_staff, action_a):
    """Rows made before the move: one letter and one reminder in the shared tables."""
    letter = factories.LetterFactory(report=report_a, reference="BEFORE-THE-MOVE")
    reminder = Reminder.objects.create(
        subject_type=ContentType.objects.get_for_model(Action),
        subject_id=action_a.pk,
        what="update_due",
        due_on=datetime.date(2026, 1, 5),
        stage=Reminder.Stage.OVERDUE,
        recipient=opcc_staff,
        title="Before the move",
        url="/actions/1/",
    )
    content_types = {
        model: ContentType.objects.get(app_label="letters", model=model).pk
        for model in ("letter", "historicalletter")
    }
    content_types["reminder"] = ContentType.objects.get(app_label="reminders", model="reminder").pk
    executor = migrate(BEFORE_THE_MOVE)
    yield executor, letter, reminder, content_types
    migrate_to_the_end()  # whatever the test did, leave the database as the others expect


def test_a_database_from_before_the_move_migrates_forward_with_every_row(
    old_world, report_a, opcc_staff
):
    """One database taken back to before the move, looked at, and brought forward again:
    each migration back and forward costs about half a minute, so the stages share one."""
    executor, letter, reminder, content_types = old_world

    # Before the move, the recommendations app owns the rows and their content types.
    old_apps = executor.loader.project_state(LAST_BEFORE_THE_MOVE).apps
    assert old_apps.get_model("recommendations", "Letter").objects.get(pk=letter.pk).reference == (
        "BEFORE-THE-MOVE"
    )
    assert old_apps.get_model("recommendations", "Reminder").objects.filter(pk=reminder.pk)
    assert ContentType.objects.get(pk=content_types["letter"]).app_label == "recommendations"
    assert ContentType.objects.get(pk=content_types["reminder"]).app_label == "recommendations"
    written_before = old_apps.get_model("recommendations", "Letter").objects.create(
        report_id=report_a.pk,
        kind="section_55",
        version=1,
        status="draft",
        reference="WRITTEN-BEFORE",
        letter_date=datetime.date(2026, 2, 1),
    )

    # Migrations recorded under their old names count as applied: what is left to run is
    # the move, and the migrations of the same apps added after it; none renamed.
    record_old_names()
    executor = MigrationExecutor(connection)
    applied = executor.loader.applied_migrations
    assert set(OLD_NAMES) <= set(applied)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    assert sorted((migration.app_label, migration.name) for migration, backwards in plan) == [
        ("letters", "0001_initial"),
        ("letters", "0002_dates_within_range"),
        ("letters", "0003_committee_pack"),
        ("letters", "0004_public_site"),
        ("letters", "0005_letter_language"),
        ("letters", "0006_verbose_names"),
        ("recommendations", "0005_letters_and_reminders_moved_out"),
        ("recommendations", "0006_dates_within_range"),
        ("recommendations", "0007_inspectorate_track_and_carried_forward_afis"),
        ("recommendations", "0008_publisher_reference"),
        ("recommendations", "0009_national_recommendation_covered_by"),
        ("recommendations", "0010_history_change_reason_text"),
        ("recommendations", "0011_extension_requests"),
        ("recommendations", "0012_revised_dates_become_agreed_extensions"),
        ("recommendations", "0013_verbose_names"),
        ("recommendations", "0014_trend_quarter"),
        ("recommendations", "0015_submitted_update_action_index"),
        ("recommendations", "0016_action_plan_of_idx"),
        ("recommendations", "0017_update_returned_idx_action"),
        ("recommendations", "0018_dashboard_tally"),
        ("recommendations", "0019_dashboard_tally_list_totals"),
        ("recommendations", "0020_action_proposed_idx"),
        ("recommendations", "0021_dashboard_recommendation_lists"),
        ("recommendations", "0022_dashboard_quarter_moves"),
        ("recommendations", "0023_report_chart_tally"),
        ("recommendations", "0024_dashboard_tally_lists"),
        ("reminders", "0001_initial"),
        ("reminders", "0002_reminder_stage_returned"),
        ("reminders", "0003_calendar_feed"),
        ("reminders", "0004_reminder_stage_decided"),
        ("reviews", "0003_search_indexes"),
    ]

    migrate_to_the_end()

    assert Letter.objects.get(pk=letter.pk).reference == "BEFORE-THE-MOVE"
    assert Letter.objects.get(pk=written_before.pk).reference == "WRITTEN-BEFORE"
    assert Reminder.objects.get(pk=reminder.pk).title == "Before the move"
    assert ContentType.objects.get_for_model(Letter).pk == content_types["letter"]
    assert ContentType.objects.get_for_model(Reminder).pk == content_types["reminder"]
    assert not ContentType.objects.filter(app_label="recommendations", model="letter").exists()
    assert opcc_staff.has_perm("letters.change_letter")
