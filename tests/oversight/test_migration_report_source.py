"""The report's inspectorate became its source: a report logged before the change (HMIC
or HMICFRS) keeps what it was, with section 55 still counting for it."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from oversight.models import InspectionReport

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("oversight", "0004_office_admins_two_factor_unique_email")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


def test_existing_reports_keep_their_inspectorate_as_their_source():
    executor = _migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    force = apps.get_model("oversight", "Force").objects.create(name="Force M")
    old = apps.get_model("oversight", "InspectionReport")
    for inspectorate in ("hmic", "hmicfrs"):
        old.objects.create(
            force=force,
            title=f"An {inspectorate} report",
            inspectorate=inspectorate,
            programme="peel",
            published_on=datetime.date(2016, 4, 21),
        )
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    reports = {r.title: r for r in InspectionReport.objects.all()}
    assert reports["An hmic report"].source == InspectionReport.Source.HMIC
    assert reports["An hmicfrs report"].source == InspectionReport.Source.HMICFRS
    assert all(r.has_section_55 for r in reports.values())
