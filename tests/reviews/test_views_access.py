"""The access matrix for every URL of the reviews app.

Columns: OPCC staff (office A), read-only (office A), police lead of force A, police lead of
force B, partner lead (force A's agency), OPCC staff of office B. Police leads read their
force's reviews and update only the follow-ups they own; partner leads see no reviews or
investments (404) but update follow-ups they own.
"""

import pytest
from django.urls import reverse

from reviews.models import ActionSample, DeepDiveReview, FollowUp, Investment, LineOfEnquiry

PERSONAS = [
    "opcc_staff",
    "read_only",
    "police_lead_a",
    "police_lead_b",
    "partner_lead",
    "opcc_staff_b",
]
READ = [200, 200, 200, 404, 404, 404]  # office A's things, read
CHANGE = [200, 403, 403, 404, 404, 404]  # office A's things, changed
CREATE = [200, 403, 403, 403, 404, 200]  # new things for one's own office
LIST = [200, 200, 200, 200, 404, 200]

# case: (url name, fixtures giving the URL's arguments, GET status per persona)
MATRIX = {
    "review_list": ("review_list", [], LIST),
    "review_create": ("review_create", [], CREATE),
    "review_detail": ("review_detail", ["review_a"], READ),
    "review_edit": ("review_edit", ["review_a"], CHANGE),
    "line_add": ("line_add", ["review_a"], CHANGE),
    "line_edit": ("line_edit", ["review_a", "line_a"], CHANGE),
    "evidence_upload": ("evidence_upload", ["review_a"], CHANGE),
    "evidence_download": ("evidence_download", ["evidence_a"], READ),
    "follow_up_create": ("follow_up_create", ["review_a"], CHANGE),
    "follow_up_edit": ("follow_up_edit", ["follow_up_a"], CHANGE),
    "follow_up_update_by_police_owner": (
        "follow_up_update",
        ["follow_up_a"],
        [200, 403, 200, 404, 404, 404],
    ),
    "follow_up_update_by_partner_owner": (
        "follow_up_update",
        ["partner_follow_up_a"],
        [200, 403, 403, 404, 200, 404],
    ),
    "sample_create": ("sample_create", ["review_a"], CHANGE),
    "investment_list": ("investment_list", [], LIST),
    "investment_create": ("investment_create", [], CREATE),
    "investment_detail": ("investment_detail", ["investment_a"], READ),
    "investment_edit": ("investment_edit", ["investment_a"], CHANGE),
}
GET_ONLY = {"review_list", "review_detail", "evidence_download", "investment_list"}
GET_ONLY |= {"investment_detail"}


@pytest.fixture
def line_a(review_a):
    return review_a.lines_of_enquiry.get()


def _url(request, case: str) -> str:
    name, fixtures, _ = MATRIX[case]
    args = [request.getfixturevalue(fixture).pk for fixture in fixtures]
    return reverse(f"reviews:{name}", args=args)


def _counts() -> tuple:
    return tuple(
        model.objects.count()
        for model in (DeepDiveReview, LineOfEnquiry, FollowUp, ActionSample, Investment)
    )


def _answers(client, request, case: str, send) -> dict[str, int]:
    """Each persona's status code for one URL, with `send(client, url)`."""
    url = _url(request, case)
    answers = {}
    for persona in PERSONAS:
        client.force_login(request.getfixturevalue(persona))
        answers[persona] = send(client, url).status_code
    return answers


@pytest.mark.parametrize("case", MATRIX)
def test_get_answers_each_persona(client, request, case):
    expected = dict(zip(PERSONAS, MATRIX[case][2], strict=True))
    assert _answers(client, request, case, lambda c, url: c.get(url)) == expected


@pytest.mark.parametrize("case", MATRIX)
def test_post_answers_each_persona_and_changes_nothing_when_refused(client, request, case):
    """An empty form: refused (403/404) before validation, or 400 for those allowed;
    405 where the page only reads. Nothing is saved either way."""
    if MATRIX[case][0] in GET_ONLY:
        expected = dict.fromkeys(PERSONAS, 405)
    else:
        expected = {
            persona: 400 if status == 200 else status
            for persona, status in zip(PERSONAS, MATRIX[case][2], strict=True)
        }
    _url(request, case)  # build the world before counting
    for persona in PERSONAS:
        request.getfixturevalue(persona)
    before = _counts()
    assert _answers(client, request, case, lambda c, url: c.post(url, {})) == expected
    assert _counts() == before


@pytest.mark.parametrize("case", MATRIX)
def test_anonymous_is_sent_to_login(client, request, case):
    response = client.get(_url(request, case))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("case", MATRIX)
@pytest.mark.parametrize("method", ["put", "delete"])
def test_wrong_method_is_refused(client, request, opcc_staff, case, method):
    client.force_login(opcc_staff)
    assert getattr(client, method)(_url(request, case)).status_code == 405
