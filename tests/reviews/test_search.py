"""The search box: PostgreSQL full-text search over what each person may read, ranked,
grouped by kind, the words highlighted (escaped), a constant number of queries, and the
GIN index in use."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reviews.search import search_document, search_for
from tests import factories


@pytest.fixture
def data(recommendation_a, recommendation_b, action_a, action_b, partner_action_a):
    recommendation_a.text = "The force should improve how it safeguards missing children."
    recommendation_a.save()
    recommendation_b.text = "Force B should review safeguarding of missing children in custody."
    recommendation_b.save()
    action_a.description = "Safeguarding audit of missing-from-home cases <script>x</script>"
    action_a.save()
    partner_action_a.description = "Joint safeguarding meetings with children's services"
    partner_action_a.save()
    return recommendation_a


def _urls(results, key):
    return [hit.url for kind in results if kind.key == key for hit in kind.hits]


def test_each_persona_finds_only_what_they_may_read(
    data, opcc_staff, police_lead_b, partner_lead, recommendation_b, action_a, partner_action_a
):
    staff = search_for(opcc_staff, "safeguarding missing")
    assert _urls(staff, "recommendation") == [data.get_absolute_url()]
    lead_b = search_for(police_lead_b, "safeguarding missing")
    assert _urls(lead_b, "recommendation") == [recommendation_b.get_absolute_url()]
    assert _urls(lead_b, "action") == []
    partner = search_for(partner_lead, "safeguarding")
    assert _urls(partner, "action") == [partner_action_a.get_absolute_url()]
    assert action_a.get_absolute_url() not in _urls(partner, "action")


def test_stemmed_ranked_and_highlighted_with_escaping(data, opcc_staff):
    results = search_for(opcc_staff, "missed safeguard")
    action = next(kind for kind in results if kind.key == "action").hits[0]
    assert "<mark>Safeguarding</mark>" in action.snippet
    assert "&lt;script&gt;" in action.snippet and "<script>" not in action.snippet
    assert search_for(opcc_staff, "   ") == []
    assert search_for(opcc_staff, "zebra") == []


def test_search_page_keeps_a_constant_query_count(
    client, data, opcc_staff, report_a, django_assert_num_queries
):
    client.force_login(opcc_staff)
    url = reverse("search:results") + "?q=safeguarding"
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    for n in range(15):
        rec = factories.RecommendationFactory(
            report=report_a, reference=f"S{n}", text=f"Safeguarding point {n}"
        )
        factories.ProgressUpdateFactory(action=data.actions.first(), narrative="Safeguarding news")
        assert rec
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert response.status_code == 200
    assert "More recommendations match" in response.content.decode()


def test_the_gin_index_answers_the_search(data):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT id FROM recommendations_recommendation WHERE "
            f"{search_document('recommendation')} @@ "
            "websearch_to_tsquery('english'::regconfig, %s)",
            ["safeguarding"],
        )
        plan = " ".join(row[0] for row in cursor.fetchall())
    assert "search_recommendation_idx" in plan, plan


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(reverse("search:results") + "?q=x")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
