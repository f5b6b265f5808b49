"""Every change to a tracked record is kept: who, when, what."""

from recommendations.models import Recommendation


def test_history_records_each_change(recommendation_a):
    recommendation_a.status = Recommendation.Status.IN_PROGRESS
    recommendation_a.save()
    changes = list(recommendation_a.history.order_by("history_date"))
    assert [c.history_type for c in changes] == ["+", "~"]
    delta = changes[1].diff_against(changes[0])
    assert [(c.field, c.old, c.new) for c in delta.changes] == [("status", "open", "in_progress")]


def test_history_records_who_made_the_change(recommendation_a, opcc_staff):
    recommendation_a.status = Recommendation.Status.IN_PROGRESS
    recommendation_a._history_user = opcc_staff
    recommendation_a.save()
    latest = recommendation_a.history.latest()
    assert latest.history_user == opcc_staff
    assert latest.status == "in_progress"
    assert latest.history_date is not None
