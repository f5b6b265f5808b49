"""The dashboard's lists written in Python (recommendations.dashboard_rows) draw what the
template loops they replaced drew (the review queue panel's too): those loops, kept here
as the oracle, rendered by Django's template engine over rows with markup in every text,
people and dates missing, one day and several, in English and in Welsh."""

import datetime
import re

import pytest
from django.template import engines
from django.utils import timezone, translation

from recommendations.dashboard import (
    DueItem,
    ListedAction,
    ListedRecommendation,
    ListedUpdate,
    OverdueUpdate,
)
from recommendations.dashboard_rows import DashboardListWriter
from recommendations.models import ProgressUpdate, Recommendation
from recommendations.tallies import _kept_value
from tests import factories

# The loops of templates/recommendations/_dashboard_body.html and _review_queue_panel.html
# before they were written in Python, each list's <li>s alone.
ORACLE = {
    "awaiting_sign_off": """{% for r in rows %}
        <li class="list-group-item">
          <a href="{{ r.get_absolute_url }}" class="fw-semibold">{{ r.reference }}</a> · <span class="small">{{ r.report.title|truncatechars:60 }}</span>
          <div class="item-meta">{% if r.closure_proposed_at %}{% blocktranslate trimmed with who=r.closure_proposed_by|default:"—" on=r.closure_proposed_at|date:"j M Y" %}Proposed by {{ who }} on {{ on }}{% endblocktranslate %}{% else %}{% blocktranslate trimmed with who=r.closure_proposed_by|default:"—" %}Proposed by {{ who }}{% endblocktranslate %}{% endif %}</div>
        </li>
        {% endfor %}""",  # noqa: E501
    "overdue_updates": """{% for row in rows %}{% with a=row.action %}
        <li class="list-group-item">
          <div class="item-head">
            <a href="{{ a.get_absolute_url }}" class="fw-semibold">{{ a|action_name }}</a>
            <span class="small"><span class="overdue">{% blocktranslate trimmed count counter=row.days_overdue %}{{ counter }} day overdue{% plural %}{{ counter }} days overdue{% endblocktranslate %}</span> <span class="text-body-secondary">({% blocktranslate trimmed with due=a.next_update_due|date:"j M Y" %}due {{ due }}{% endblocktranslate %})</span></span>
          </div>
          <div class="small">{{ a.description|truncatechars:110 }}</div>
          <div class="item-meta">{% if a.delivery_lead %}{{ a.delivery_lead }}{% else %}{% translate "No lead" %}{% endif %} · {{ a.plan.report.title|truncatechars:50 }}</div>
        </li>
        {% endwith %}{% endfor %}""",  # noqa: E501
    "due_soon": """{% for item in rows %}
        <li class="list-group-item">
          <div class="item-head">
            <span><span class="badge text-bg-light border">{{ item.what }}</span> <a href="{{ item.url }}">{{ item.title|truncatechars:120 }}</a></span>
            <span class="small text-nowrap">{{ item.due_on|date:"D j M" }}</span>
          </div>
          {% if item.who %}<div class="item-meta">{{ item.who }}</div>{% endif %}
        </li>
        {% endfor %}""",  # noqa: E501
    "returned_updates": """{% for u in rows %}
    <li class="list-group-item">
      <div class="item-head">
        <span><a href="{{ u.get_absolute_url }}" class="fw-semibold">{{ u.action|action_name }}</a> · {% blocktranslate trimmed with written=u.written_on|date:"j M Y" author=u.author %}update of {{ written }} by {{ author }}{% endblocktranslate %}</span>
        {% if u.resubmitted %}<span class="badge text-bg-success">{% translate "Resubmitted" %}</span>{% else %}<span class="badge text-bg-warning">{% translate "Waiting for resubmission" %}</span>{% endif %}
      </div>
      <div class="small">{% blocktranslate trimmed with who=u.reviewed_by on=u.reviewed_at|date:"j M Y" comment=u.review_comment|truncatechars:160 %}Returned by {{ who }} on {{ on }}: “{{ comment }}”{% endblocktranslate %}</div>
    </li>
    {% endfor %}""",  # noqa: E501
    "review_updates": """{% for update in rows %}<li><a href="{{ update.get_absolute_url }}">{{ update.action|action_name }}</a> {{ update.action.description|truncatechars:60 }} <span class="text-body-secondary">· {{ update.author }}, {{ update.written_on|date:"j M" }}</span></li>{% endfor %}""",  # noqa: E501
    "review_completions": """{% for action in rows %}<li><a href="{{ action.get_absolute_url }}">{{ action|action_name }}</a> {{ action.description|truncatechars:60 }} <span class="text-body-secondary">· {{ action.completion_proposed_by }}</span></li>{% endfor %}""",  # noqa: E501
}

MARKUP = '<b>"Tom & Jerry\'s"</b> '


def _squeezed(html: str) -> str:
    """As the dashboard squeezes its body's whitespace (recommendations.views), and without
    the line breaks between tags, which the writer leaves out: each fell between blocks or
    between the flex items of an .item-head, where it drew nothing."""
    return re.sub(r">\s*\n\s*<", "><", re.sub(r"\s*\n\s*", "\n", html)).strip()


def _oracle(name: str, rows: list) -> str:
    template = engines["django"].from_string("{% load action_tags i18n %}" + ORACLE[name])
    return _squeezed(template.render({"rows": rows}))


def _listed(row_class, instance):
    """The row as a force's row keeps it (recommendations.tallies.LISTED), read back as the
    dashboard reads it: the values the writer gets in place of the model's."""
    texts = {
        "listed_description": "action__description" if row_class is ListedUpdate else "description",
        "listed_comment": "review_comment",
    }
    kept = []
    for column in row_class._columns:
        value = instance
        for name in texts.get(column, column).split("__"):
            value = getattr(value, name, False) if value is not None else None
        kept.append(_kept_value(value))
    return row_class(kept)


@pytest.fixture
def models(db, force_a):
    person = factories.UserFactory(first_name=MARKUP, last_name="Smith")
    report = factories.InspectionReportFactory(force=force_a, title=MARKUP + "x" * 80)
    plan = factories.ActionPlanFactory(report=report, title=MARKUP)
    led = factories.ActionFactory(
        plan=plan,
        delivery_lead=person,
        description=MARKUP * 12,
        reference="A<1>",
        completion_proposed_by=person,
    )
    unled = factories.ActionFactory(plan=plan, delivery_lead=None, next_update_due=None)
    proposed = Recommendation(
        pk=7,
        report=report,
        reference="R&1",
        closure_proposed_by=person,
        # Late on 9 July in UTC is 10 July in London: the date is the local one.
        closure_proposed_at=datetime.datetime(2026, 7, 9, 23, 30, tzinfo=datetime.UTC),
    )
    unproposed = Recommendation(pk=8, report=report, reference="R2")
    returned = ProgressUpdate(
        pk=9,
        action=led,
        author=person,
        written_on=datetime.date(2026, 12, 1),
        reviewed_by=person,
        reviewed_at=timezone.make_aware(datetime.datetime(2026, 12, 2, 0, 15)),
        review_comment=MARKUP * 20,
    )
    returned.resubmitted = True
    waiting = ProgressUpdate(
        pk=10, action=unled, author=person, written_on=datetime.date(2026, 12, 1)
    )
    waiting.resubmitted = False
    return {
        "awaiting_sign_off": [proposed, unproposed],
        "overdue_updates": [OverdueUpdate(led, 1), OverdueUpdate(unled, 12)],
        "due_soon": [
            DueItem(datetime.date(2026, 12, 7), MARKUP, MARKUP * 10, "/a?b=1&c=<2>", MARKUP),
            DueItem(datetime.date(2026, 12, 8), "Recommendation due", "R2", "/r/8/", ""),
        ],
        "returned_updates": [returned, waiting],
        "review_updates": [returned, waiting],
        "review_completions": [led, unled],
    }


def _as_kept(rows: list) -> list:
    """The models' rows as the dashboard has them: read from their forces' kept rows."""
    listed = {Recommendation: ListedRecommendation, ProgressUpdate: ListedUpdate}
    kept = []
    for row in rows:
        if isinstance(row, OverdueUpdate):
            kept.append(OverdueUpdate(_listed(ListedAction, row.action), row.days_overdue))
        elif isinstance(row, DueItem):
            kept.append(row)
        else:
            kept.append(_listed(listed.get(type(row), ListedAction), row))
    return kept


@pytest.mark.parametrize("language", ["en-gb", "cy"])
@pytest.mark.parametrize("name", list(ORACLE))
def test_each_list_is_what_its_template_loop_drew(models, name, language):
    with translation.override(language):
        written = getattr(DashboardListWriter(), name)(_as_kept(models[name]))
        assert _squeezed(written) == _oracle(name, models[name])
    assert "<b>" not in written and "&lt;b&gt;" in written
