from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
@login_required
def email_set_by_administrator(request):
    return render(request, "accounts/email_set_by_administrator.html")


@require_GET
@login_required
def two_factor_needed(request):
    return render(request, "accounts/two_factor_needed.html")
