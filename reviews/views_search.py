"""The search page: one box over everything the person may read (reviews/search.py)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from reviews.search import MAX_QUERY_CHARACTERS, search_for


@login_required
@require_GET
def search(request):
    query = request.GET.get("q", "").strip()
    results = search_for(request.user, query) if query else []
    context = {
        "query": query[:MAX_QUERY_CHARACTERS],
        "results": results,
        "total": sum(len(kind.hits) for kind in results),
        "too_long": len(query) > MAX_QUERY_CHARACTERS,
    }
    return render(request, "reviews/search.html", context)
