"""The formal letters: builder, preview, render, issue, download, compare."""

from django.urls import path

from letters import views, views_packs, views_publishing

app_name = "letters"

urlpatterns = [
    path("reports/<int:pk>/letters/", views.letter_list, name="letter_list"),
    path("reports/<int:pk>/letters/new/", views.letter_create, name="letter_create"),
    path("letters/<int:pk>/", views.letter_detail, name="letter_detail"),
    path("letters/<int:pk>/preview/", views.letter_preview, name="letter_preview"),
    path("letters/<int:pk>/render/", views.letter_render, name="letter_render"),
    path("letters/<int:pk>/status/", views.letter_status, name="letter_status"),
    path("letters/<int:pk>/pdf/", views.letter_download, name="letter_download"),
    path("letters/<int:pk>/issue/", views.letter_issue, name="letter_issue"),
    path(
        "letters/<int:pk>/compare/<int:other_pk>/",
        views.letter_compare,
        name="letter_compare",
    ),
    path("packs/", views_packs.pack_list, name="pack_list"),
    path("packs/meetings/new/", views_packs.meeting_create, name="meeting_create"),
    path("packs/meetings/<int:pk>/new/", views_packs.pack_create, name="pack_create"),
    path("packs/<int:pk>/", views_packs.pack_detail, name="pack_detail"),
    path("packs/<int:pk>/status/", views_packs.pack_status, name="pack_status"),
    path("packs/<int:pk>/render/", views_packs.pack_render, name="pack_render"),
    path("packs/<int:pk>/issue/", views_packs.pack_issue, name="pack_issue"),
    path("packs/<int:pk>/pdf/", views_packs.pack_pdf, name="pack_pdf"),
    path("packs/<int:pk>/xlsx/", views_packs.pack_xlsx, name="pack_xlsx"),
    # The office's public site, as its staff publish to it (the site itself: urls_public).
    path("public-site/", views_publishing.public_site, name="public_site"),
    path("public-site/reports/<int:pk>/", views_publishing.public_report, name="public_report"),
    path(
        "public-site/reports/<int:pk>/withdraw/",
        views_publishing.public_report_withdraw,
        name="public_report_withdraw",
    ),
    path(
        "public-site/letters/<int:pk>/publish/",
        views_publishing.public_letter_publish,
        name="public_letter_publish",
    ),
    path(
        "public-site/letters/<int:pk>/withdraw/",
        views_publishing.public_letter_withdraw,
        name="public_letter_withdraw",
    ),
]
