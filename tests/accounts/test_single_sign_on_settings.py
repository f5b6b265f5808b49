"""Single sign-on is off unless OIDC_CLIENT_ID is set, and the OIDC_* variables build the
app allauth reads; a half-set or unsafe configuration stops the process at start-up."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from oversight.settings import single_sign_on_apps, single_sign_on_form_action

ROOT = Path(__file__).resolve().parents[2]
ENTRA = {
    "OIDC_CLIENT_ID": "0b1c-app",
    "OIDC_CLIENT_SECRET": "s3cret",
    "OIDC_SERVER_URL": "https://login.microsoftonline.com/tenant-id/v2.0/",
    "OIDC_PROVIDER_NAME": "Police Microsoft account",
}


def test_single_sign_on_is_off_without_a_client_id():
    assert single_sign_on_apps({}, debug=False) == []


def test_environment_builds_the_provider_app():
    assert single_sign_on_apps(ENTRA, debug=False) == [
        {
            "provider_id": "sso",
            "name": "Police Microsoft account",
            "client_id": "0b1c-app",
            "secret": "s3cret",
            "settings": {
                "server_url": "https://login.microsoftonline.com/tenant-id/v2.0",
                "verified_email": False,
                "scope": ["openid", "profile", "email"],
            },
        }
    ]


def test_trust_email_marks_the_providers_addresses_verified():
    [app] = single_sign_on_apps({**ENTRA, "OIDC_TRUST_EMAIL": "true"}, debug=False)
    assert app["settings"]["verified_email"] is True


def test_half_set_single_sign_on_is_refused():
    with pytest.raises(ImproperlyConfigured, match="also set OIDC_SERVER_URL"):
        single_sign_on_apps({"OIDC_CLIENT_ID": "0b1c-app"}, debug=True)


def test_plain_http_issuer_is_refused_in_production():
    with pytest.raises(ImproperlyConfigured, match="must start with https://"):
        single_sign_on_apps({**ENTRA, "OIDC_SERVER_URL": "http://idp.example"}, debug=False)


def test_form_action_names_the_providers_origin():
    apps = single_sign_on_apps(ENTRA, debug=False)
    assert single_sign_on_form_action(apps) == ["https://login.microsoftonline.com"]


def test_process_reads_the_oidc_variables():
    env = {key: value for key, value in os.environ.items() if not key.startswith("OIDC_")}
    script = (
        "import json; from django.conf import settings as s; "
        "print(json.dumps([s.SOCIALACCOUNT_PROVIDERS, s.SECURE_CSP['form-action']]))"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", script],
        cwd=ROOT,
        env={**env, **ENTRA},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    providers, form_action = json.loads(result.stdout)
    assert providers["openid_connect"]["APPS"][0]["client_id"] == "0b1c-app"
    assert providers["openid_connect"]["OAUTH_PKCE_ENABLED"] is True
    assert form_action == ["'self'", "https://login.microsoftonline.com"]


def test_sign_in_page_has_no_single_sign_on_by_default(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b"Sign in with" not in response.content


def test_provider_urls_sign_nobody_in_by_default(client, db):
    login_url = reverse("openid_connect_login", kwargs={"provider_id": "sso"})
    callback_url = reverse("openid_connect_callback", kwargs={"provider_id": "sso"})

    assert client.post(login_url).status_code == 404
    assert client.get(callback_url, {"code": "x", "state": "y"}).status_code == 404
    assert "_auth_user_id" not in client.session


def test_failed_return_from_the_provider_shows_a_way_on(client, db, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {"APPS": single_sign_on_apps(ENTRA, debug=True)}
    }
    callback_url = reverse("openid_connect_callback", kwargs={"provider_id": "sso"})
    # A state this browser was never given: a replayed or forged return.
    response = client.get(callback_url, {"code": "x", "state": "forged"})

    assert b"Single sign-on did not work" in response.content
    assert b"Back to sign in" in response.content
    assert "_auth_user_id" not in client.session
