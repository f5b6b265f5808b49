"""A person's own API tokens: make one (shown once), see them, revoke one."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from oversight.accounts.api_tokens import api_token_create, api_token_revoke, api_tokens_of
from oversight.accounts.forms import ApiTokenForm
from oversight.shared.forms import refusals_onto

SHOWN_ONCE_KEY = "api_token_shown_once"


@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request):
    form = ApiTokenForm(
        request.POST if request.method == "POST" else None,
        initial={"expires_on": timezone.localdate() + datetime.timedelta(days=90)},
    )
    if request.method == "POST" and form.is_valid():
        with refusals_onto(form):
            token, secret = api_token_create(
                user=request.user,
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
                expires_on=form.cleaned_data["expires_on"],
            )
            request.session[SHOWN_ONCE_KEY] = {"pk": token.pk, "secret": secret}
            messages.success(
                request, _("Token “%(name)s” made: copy it now.") % {"name": token.name}
            )
            return redirect("accounts:api_tokens")
    shown = request.session.pop(SHOWN_ONCE_KEY, None) if request.method == "GET" else None
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "accounts/api_tokens.html",
        {"form": form, "tokens": api_tokens_of(request.user), "shown": shown},
        status=status,
    )


@login_required
@require_POST
def api_token_revoke_view(request, pk: int):
    token = get_object_or_404(api_tokens_of(request.user), pk=pk)
    api_token_revoke(user=request.user, token=token)
    messages.success(
        request, _("Token “%(name)s” revoked: it no longer works.") % {"name": token.name}
    )
    return redirect("accounts:api_tokens")
