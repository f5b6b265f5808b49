"""GIN indexes for the search box (reviews/search.py), on PostgreSQL only: each holds the
very tsvector expression the search reads a kind's text through (search_document), so
the query uses it. SQLite (`make run`) searches without them."""

from django.db import migrations

INDEXES = {
    "search_report_idx": ("oversight_inspectionreport", ("title", "summary", "issued_by")),
    "search_recommendation_idx": ("recommendations_recommendation", ("reference", "text")),
    "search_priority_area_idx": ("oversight_priorityarea", ("title", "description")),
    "search_action_idx": ("recommendations_action", ("reference", "description")),
    "search_update_idx": ("recommendations_progressupdate", ("narrative",)),
    "search_review_idx": ("reviews_deepdivereview", ("theme", "findings", "evidence_summary")),
}


def _document(columns) -> str:
    joined = " || ' ' || ".join(f"coalesce(\"{column}\", '')" for column in columns)
    return f"to_tsvector('english'::regconfig, {joined})"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, (table, columns) in INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin ({_document(columns)})'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("oversight", "0007_national_report"),
        ("recommendations", "0009_national_recommendation_covered_by"),
        ("reviews", "0002_dates_within_range"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
