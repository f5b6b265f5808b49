from django.urls import path

from recommendations import (
    views,
    views_actions,
    views_bulk,
    views_handover,
    views_import,
    views_national,
)

app_name = "recommendations"

urlpatterns: list = []

# The OPCC's pages: dashboard, register, report and recommendation pages
urlpatterns += [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("recommendations/", views.register, name="register"),
    path("recommendations/export.csv", views.register_csv, name="register_csv"),
    path(
        "recommendations/priority-areas/",
        views.register_area_options,
        name="register_area_options",
    ),
    path("recommendations/<int:pk>/", views.recommendation_detail, name="recommendation_detail"),
    path("recommendations/<int:pk>/edit/", views.recommendation_edit, name="recommendation_edit"),
    path(
        "recommendations/<int:pk>/status/",
        views.recommendation_transition,
        name="recommendation_transition",
    ),
    path(
        "recommendations/<int:pk>/inspectorate-status/",
        views.recommendation_inspectorate_status,
        name="recommendation_inspectorate_status",
    ),
    path(
        "recommendations/<int:pk>/carry-forward/",
        views.recommendation_carry_forward,
        name="recommendation_carry_forward",
    ),
    path("reports/<int:pk>/", views.report_detail, name="report_detail"),
    path(
        "reports/<int:pk>/recommendations/new/",
        views.recommendation_create,
        name="recommendation_create",
    ),
    path(
        "reports/<int:pk>/recommendations/paste/",
        views.recommendation_paste,
        name="recommendation_paste",
    ),
    path(
        "reports/<int:pk>/recommendations/template.<str:extension>",
        views_import.recommendation_template,
        name="recommendation_template",
    ),
    path(
        "reports/<int:pk>/recommendations/import/",
        views_import.recommendation_import,
        name="recommendation_import",
    ),
]

# National and thematic reports: held once, answered by many forces
urlpatterns += [
    path("national-reports/", views_national.national_report_list, name="national_report_list"),
    path(
        "national-reports/new/",
        views_national.national_report_create,
        name="national_report_create",
    ),
    path(
        "national-reports/<int:pk>/",
        views_national.national_report_detail,
        name="national_report_detail",
    ),
    path(
        "national-reports/<int:pk>/edit/",
        views_national.national_report_edit,
        name="national_report_edit",
    ),
    path(
        "national-reports/<int:pk>/apply/",
        views_national.national_report_apply,
        name="national_report_apply",
    ),
    path(
        "national-reports/<int:pk>/recommendations/new/",
        views_national.national_recommendation_create,
        name="national_recommendation_create",
    ),
    path(
        "national-reports/<int:pk>/recommendations/template.<str:extension>",
        views_national.national_template,
        name="national_template",
    ),
    path(
        "national-reports/<int:pk>/recommendations/import/",
        views_national.national_import,
        name="national_import",
    ),
    path(
        "national-recommendations/<int:pk>/",
        views_national.national_recommendation_detail,
        name="national_recommendation_detail",
    ),
    path(
        "national-recommendations/<int:pk>/edit/",
        views_national.national_recommendation_edit,
        name="national_recommendation_edit",
    ),
]

# Action plans, actions, extension requests, progress updates, two-person closure
urlpatterns += [
    path("my-actions/", views_actions.my_actions, name="my_actions"),
    path("updates/awaiting-review/", views_actions.review_queue, name="review_queue"),
    path("plans/", views_actions.plan_list, name="plan_list"),
    path("plans/new/", views_actions.plan_create, name="plan_create"),
    path("plans/<int:pk>/", views_actions.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/edit/", views_actions.plan_edit, name="plan_edit"),
    path("plans/<int:pk>/status/", views_actions.plan_transition, name="plan_transition"),
    path("plans/<int:pk>/export.csv", views_actions.plan_export, name="plan_export"),
    path("plans/<int:pk>/actions/new/", views_actions.action_create, name="action_create"),
    path("actions/<int:pk>/", views_actions.action_detail, name="action_detail"),
    path("actions/<int:pk>/edit/", views_actions.action_edit, name="action_edit"),
    path(
        "actions/<int:pk>/extensions/new/",
        views_actions.extension_request,
        name="extension_request",
    ),
    path("extensions/<int:pk>/decide/", views_actions.extension_decide, name="extension_decide"),
    path(
        "extensions/<int:pk>/withdraw/",
        views_actions.extension_withdraw,
        name="extension_withdraw",
    ),
    path("actions/<int:pk>/status/", views_actions.action_status, name="action_status"),
    path("actions/<int:pk>/updates/new/", views_actions.update_create, name="update_create"),
    path("updates/<int:pk>/review/", views_actions.update_review, name="update_review"),
    path(
        "actions/<int:pk>/complete/",
        views_actions.action_propose_completion,
        name="action_propose_completion",
    ),
    path("actions/<int:pk>/sign-off/", views_actions.action_sign_off, name="action_sign_off"),
    path("evidence/<int:pk>/", views_actions.evidence_download, name="evidence_download"),
]

# Handing a leaver's actions and plans to someone else (the panel on a person's page)
urlpatterns += [
    path("actions/<int:pk>/reassign/", views_handover.action_reassign, name="action_reassign"),
    path("plans/<int:pk>/reassign/", views_handover.plan_reassign, name="plan_reassign"),
    path(
        "people/<int:pk>/actions/hand-over/",
        views_handover.actions_hand_over,
        name="actions_hand_over",
    ),
]

# Changing several recommendations at once from the register
urlpatterns += [
    path("recommendations/bulk/", views_bulk.register_bulk, name="register_bulk"),
    path(
        "recommendations/bulk/fields/",
        views_bulk.register_bulk_fields,
        name="register_bulk_fields",
    ),
]
