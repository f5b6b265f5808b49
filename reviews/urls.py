from django.urls import path

from reviews import views, views_handover

app_name = "reviews"

urlpatterns = [
    path("", views.review_list, name="review_list"),
    path("new/", views.review_create, name="review_create"),
    path("<int:pk>/", views.review_detail, name="review_detail"),
    path("<int:pk>/edit/", views.review_edit, name="review_edit"),
    path("<int:pk>/lines/add/", views.line_add, name="line_add"),
    path("<int:pk>/lines/<int:line_pk>/edit/", views.line_edit, name="line_edit"),
    path("<int:pk>/evidence/upload/", views.evidence_upload, name="evidence_upload"),
    path("evidence/<int:pk>/download/", views.evidence_download, name="evidence_download"),
    path("<int:pk>/follow-ups/new/", views.follow_up_create, name="follow_up_create"),
    path("follow-ups/<int:pk>/edit/", views.follow_up_edit, name="follow_up_edit"),
    path("follow-ups/<int:pk>/update/", views.follow_up_update, name="follow_up_update"),
    path(
        "follow-ups/<int:pk>/reassign/",
        views_handover.follow_up_reassign,
        name="follow_up_reassign",
    ),
    path(
        "people/<int:pk>/follow-ups/hand-over/",
        views_handover.follow_ups_hand_over,
        name="follow_ups_hand_over",
    ),
    path("<int:pk>/samples/new/", views.sample_create, name="sample_create"),
    path("investments/", views.investment_list, name="investment_list"),
    path("investments/new/", views.investment_create, name="investment_create"),
    path("investments/<int:pk>/", views.investment_detail, name="investment_detail"),
    path("investments/<int:pk>/edit/", views.investment_edit, name="investment_edit"),
]
