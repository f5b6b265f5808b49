"""The public site (no sign-in): /public/ and each office's pages, feed and open data.

Fixed addresses come before an office's: an office's public address is a slug, which
holds no dot, so it never meets "sitemap.xml" or "recommendations.schema.json"."""

from django.urls import path
from django.views.decorators.http import require_GET

from letters import views_public
from letters.feeds import OfficeFeed

app_name = "public"

urlpatterns = [
    path("", views_public.index, name="index"),
    path("sitemap.xml", views_public.sitemap, name="sitemap"),
    path("recommendations.schema.json", views_public.schema, name="schema"),
    path("<slug:slug>/", views_public.office_home, name="office"),
    path("<slug:slug>/feed.atom", require_GET(OfficeFeed()), name="feed"),
    path("<slug:slug>/reports/<int:report_id>/", views_public.report, name="report"),
    path("<slug:slug>/letters/<int:letter_id>.pdf", views_public.letter_pdf, name="letter_pdf"),
    path("<slug:slug>/data/", views_public.data, name="data"),
    path("<slug:slug>/data/recommendations.csv", views_public.data_csv, name="data_csv"),
    path("<slug:slug>/data/recommendations.json", views_public.data_json, name="data_json"),
]
