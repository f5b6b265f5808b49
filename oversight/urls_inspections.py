"""Pages for reports and what hangs off them (namespace "oversight").

The report page itself is `recommendations:report_detail`: it shows the recommendations,
their RAG and actions, which live downstream.
"""

from django.urls import path

from oversight import views

urlpatterns: list = [
    path("reports/", views.report_list, name="report_list"),
    path("reports/new/", views.report_create, name="report_create"),
    path("reports/<int:pk>/edit/", views.report_edit, name="report_edit"),
    path("reports/<int:pk>/file/", views.report_file_download, name="report_file"),
    path("reports/<int:pk>/file/upload/", views.report_file_upload, name="report_file_upload"),
    path("reports/<int:pk>/findings/new/", views.finding_create, name="finding_create"),
    path("findings/<int:pk>/edit/", views.finding_edit, name="finding_edit"),
    path("reports/<int:pk>/judgements/new/", views.judgement_create, name="judgement_create"),
    path("judgements/<int:pk>/edit/", views.judgement_edit, name="judgement_edit"),
    path(
        "reports/<int:pk>/priority-areas/new/",
        views.priority_area_create,
        name="priority_area_create",
    ),
    path("priority-areas/<int:pk>/edit/", views.priority_area_edit, name="priority_area_edit"),
    path("reports/<int:pk>/causes-of-concern/new/", views.cause_create, name="cause_create"),
    path("causes-of-concern/<int:pk>/edit/", views.cause_edit, name="cause_edit"),
]
