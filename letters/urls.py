"""The formal letters: builder, preview, render, issue, download, compare."""

from django.urls import path

from letters import views

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
]
