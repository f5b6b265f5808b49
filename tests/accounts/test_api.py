"""The API: personal access tokens (made, scoped, expired, revoked), every endpoint for
every persona scoped like the pages, errors as JSON saying what to fix, the OpenAPI
schema validated, rate limiting, and a progress update with evidence posted by httpx as
another program would."""

import datetime

import httpx
import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.throttling import UserRateThrottle

from oversight.accounts.api_tokens import api_token_create, api_token_revoke
from oversight.accounts.models import ApiToken
from oversight.selectors import reports_visible_to
from recommendations.models import ProgressUpdate
from recommendations.selectors import (
    actions_visible_to,
    recommendations_visible_to,
    updates_visible_to,
)
from reviews.selectors import reviews_visible_to
from tests import factories

IN_A_MONTH = timezone.localdate() + datetime.timedelta(days=30)


def _token(user, scope="read"):
    return api_token_create(user=user, name="Tool", scope=scope, expires_on=IN_A_MONTH)[1]


def _get(client, path, token):
    return client.get(path, HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.fixture
def data(everyone, action_a, action_b, partner_action_a, opcc_staff, police_lead_a, report_a):
    factories.ProgressUpdateFactory(action=action_a, narrative="Force A progress")
    factories.ProgressUpdateFactory(action=action_b, narrative="Force B progress")
    factories.DeepDiveReviewFactory(office=opcc_staff.office, force=report_a.force, theme="A")
    return everyone


ENDPOINTS = {
    "api:report_list": reports_visible_to,
    "api:recommendation_list": recommendations_visible_to,
    "api:action_list": actions_visible_to,
    "api:update_list": updates_visible_to,
    "api_reviews:review_list": reviews_visible_to,
}


@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
def test_every_list_and_detail_is_scoped_for_every_persona(data, endpoint, opcc_staff_b):
    client = Client()
    for person in [*data.values(), opcc_staff_b]:
        token = _token(person)
        response = _get(client, reverse(endpoint), token)
        assert response.status_code == 200, (person, response.content)
        seen = {row["id"] for row in response.json()["results"]}
        visible = set(ENDPOINTS[endpoint](person).values_list("pk", flat=True))
        assert seen == visible, (person.username, endpoint)
        detail = endpoint.replace("_list", "_detail")
        model = ENDPOINTS[endpoint](person).model
        for obj in model.objects.all():
            answer = _get(client, reverse(detail, args=[obj.pk]), token)
            assert answer.status_code == (200 if obj.pk in visible else 404), (
                person.username,
                detail,
                obj.pk,
            )


def test_tokens_refused_with_json_that_says_what_to_do(client, police_lead_a):
    url = reverse("api:report_list")
    missing = client.get(url)
    assert missing.status_code == 401 and "error" in missing.json()
    wrong = client.get(url, HTTP_AUTHORIZATION="Token abc")
    assert wrong.status_code == 401 and "Bearer" in wrong.json()["error"]
    token, secret = api_token_create(
        user=police_lead_a, name="Old", scope="read", expires_on=IN_A_MONTH
    )
    assert _get(client, url, secret).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(
        expires_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    expired = _get(client, url, secret)
    assert expired.status_code == 401 and "expired" in expired.json()["error"]
    token, secret = api_token_create(
        user=police_lead_a, name="New", scope="read", expires_on=IN_A_MONTH
    )
    api_token_revoke(user=police_lead_a, token=token)
    revoked = _get(client, url, secret)
    assert revoked.status_code == 401 and "revoked" in revoked.json()["error"]
    _, secret = api_token_create(
        user=police_lead_a, name="Leaver", scope="read", expires_on=IN_A_MONTH
    )
    police_lead_a.is_active = False
    police_lead_a.save()
    assert _get(client, url, secret).status_code == 401
    assert not ApiToken.objects.filter(token_digest=secret).exists()  # only the digest


def test_token_rules(read_only, police_lead_a, opcc_staff):
    with pytest.raises(ValidationError, match="read tokens only"):
        api_token_create(user=read_only, name="x", scope="write", expires_on=IN_A_MONTH)
    with pytest.raises(ValidationError, match="within"):
        api_token_create(
            user=police_lead_a,
            name="x",
            scope="read",
            expires_on=timezone.localdate() + datetime.timedelta(days=400),
        )
    token, _ = api_token_create(user=police_lead_a, name="x", scope="read", expires_on=IN_A_MONTH)
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        api_token_revoke(user=opcc_staff, token=token)


def test_read_token_cannot_post_and_bad_input_is_explained(client, action_a, police_lead_a):
    url = reverse("api:action_update_post", args=[action_a.pk])
    read = _token(police_lead_a)
    refused = client.post(
        url,
        {"narrative": "x", "rag": "green", "percent_complete": 5},
        HTTP_AUTHORIZATION=f"Bearer {read}",
    )
    assert refused.status_code == 403 and "only read" in refused.json()["error"]
    write = _token(police_lead_a, "write")
    bad = client.post(
        url,
        {"narrative": "", "rag": "blue", "percent_complete": 500},
        HTTP_AUTHORIZATION=f"Bearer {write}",
    )
    assert bad.status_code == 400
    body = bad.json()
    assert set(body["fields"]) == {"narrative", "rag", "percent_complete"}
    assert "red, amber or green" in " ".join(body["fields"]["rag"])
    assert not ProgressUpdate.objects.filter(action=action_a).exists()


def test_another_forces_action_is_404_and_a_plan_owner_may_not_post_for_a_lead(
    client, action_b, action_a, police_lead_a
):
    write = _token(police_lead_a, "write")
    url = reverse("api:action_update_post", args=[action_b.pk])
    response = client.post(
        url,
        {"narrative": "x", "rag": "green", "percent_complete": 5},
        HTTP_AUTHORIZATION=f"Bearer {write}",
    )
    assert response.status_code == 404


def test_rate_limited_with_a_json_message(client, police_lead_a, monkeypatch):
    from django.core.cache import cache

    cache.clear()
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "3/min"})
    token = _token(police_lead_a)
    url = reverse("api:report_list")
    codes = [_get(client, url, token).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert "Too many requests" in _get(client, url, token).json()["error"]
    cache.clear()


def test_openapi_schema_is_valid_and_documents_every_endpoint(client):
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)
    paths = set(schema["paths"])
    assert "/api/v1/actions/{id}/updates/" in paths
    assert "/api/v1/reviews/" in paths
    assert "/api/v1/reports/{id}/import/" in paths
    assert schema["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert client.get(reverse("api_schema_json")).status_code == 200
    docs = client.get(reverse("api_docs"))
    assert docs.status_code == 200


@pytest.mark.django_db(transaction=True)
def test_httpx_posts_an_update_with_evidence(live_server, action_a, police_lead_a):
    token = _token(police_lead_a, "write")
    with httpx.Client(
        base_url=live_server.url, headers={"Authorization": f"Bearer {token}"}
    ) as api:
        created = api.post(
            f"/api/v1/actions/{action_a.pk}/updates/",
            data={
                "narrative": "Audit finished; report attached.",
                "rag": "green",
                "percent_complete": "60",
            },
            files=[("evidence", ("audit.pdf", factories.tiny_pdf("Audit"), "application/pdf"))],
        )
        assert created.status_code == 201, created.text
        body = created.json()
        assert body["review_state"] == "submitted"
        assert [item["name"] for item in body["evidence"]] == ["audit.pdf"]
        again = api.get(f"/api/v1/updates/{body['id']}/")
        assert again.status_code == 200 and again.json()["narrative"].startswith("Audit")
        listed = api.get("/api/v1/updates/", params={"action": action_a.pk})
        assert [row["id"] for row in listed.json()["results"]] == [body["id"]]
    update = ProgressUpdate.objects.get(pk=body["id"])
    assert update.author == police_lead_a and update.evidence.count() == 1


def test_token_pages_show_the_secret_once_and_only_ones_own(client, police_lead_a, police_lead_b):
    client.force_login(police_lead_a)
    page = reverse("accounts:api_tokens")
    made = client.post(
        page,
        {"name": "Dashboard", "scope": "read", "expires_on": IN_A_MONTH.isoformat()},
        follow=True,
    )
    secret = made.context["shown"]["secret"]
    assert secret.startswith("ovs_") and secret in made.content.decode()
    assert secret not in client.get(page).content.decode()
    bad = client.post(page, {"name": "", "scope": "read", "expires_on": "2020-01-01"})
    assert bad.status_code == 400
    other, _ = api_token_create(user=police_lead_b, name="B", scope="read", expires_on=IN_A_MONTH)
    assert client.post(reverse("accounts:api_token_revoke", args=[other.pk])).status_code == 404
    mine = ApiToken.objects.get(user=police_lead_a)
    assert client.post(reverse("accounts:api_token_revoke", args=[mine.pk])).status_code == 302
    mine.refresh_from_db()
    assert mine.revoked_at is not None
