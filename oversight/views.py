from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from oversight import health
from oversight.selectors import reports_visible_to


@require_GET
@never_cache
def healthz(request):
    state = {"database": health.database_state(), "broker": health.broker_state()}
    status = 200 if state["database"] == "ok" else 503
    return JsonResponse(state, status=status)


@require_GET
@login_required
def home(request):
    reports = reports_visible_to(request.user).select_related("force").order_by("-published_on")
    return render(request, "oversight/home.html", {"reports": reports[:20]})
