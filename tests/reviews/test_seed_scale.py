import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from oversight.models import Force, User
from recommendations.models import Action, ProgressUpdate, Recommendation

SMALL = {"forces": 3, "reports": 12, "recommendations": 120, "actions": 360, "updates": 1500}


def test_seed_scale_loads_exactly_the_numbers_asked_for(db):
    call_command("seed_scale", **SMALL)
    assert Force.objects.count() == 3
    assert Recommendation.objects.count() == 120
    assert Action.objects.count() == 360
    assert ProgressUpdate.objects.count() == 1500


def test_seed_scale_data_is_realistic(db):
    call_command("seed_scale", **SMALL)
    statuses = set(Action.objects.values_list("status", flat=True))
    assert {"closed", "in_progress"} <= statuses
    live = Action.objects.filter(status__in=Action.LIVE_STATUSES)
    overdue = live.filter(next_update_due__lt=timezone.localdate()).count()
    assert 0 < overdue < live.count()
    assert Action.objects.filter(partner_agency__isnull=False).exists()
    assert User.objects.filter(role="police_lead").count() >= 3 * 2
    assert Recommendation.objects.filter(status="superseded", superseded_by__isnull=False).exists()


def test_seed_scale_refuses_a_database_that_has_it_already(db):
    call_command("seed_scale", **SMALL)
    with pytest.raises(CommandError, match="already loaded"):
        call_command("seed_scale", **SMALL)
