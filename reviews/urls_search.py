"""The search box's page, at /search/."""

from django.urls import path

from reviews import views_search

app_name = "search"

urlpatterns = [path("", views_search.search, name="results")]
