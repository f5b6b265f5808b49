"""The API's URLs for reports (and their spreadsheet import), recommendations, actions and
updates (under /api/v1/)."""

from django.urls import path

from recommendations import api, api_import

app_name = "api"

urlpatterns = [
    path("reports/", api.ReportList.as_view(), name="report_list"),
    path("reports/<int:pk>/", api.ReportDetail.as_view(), name="report_detail"),
    path("reports/<int:pk>/import/", api_import.ReportImport.as_view(), name="report_import"),
    path(
        "national-reports/<int:pk>/import/",
        api_import.NationalReportImport.as_view(),
        name="national_report_import",
    ),
    path("recommendations/", api.RecommendationList.as_view(), name="recommendation_list"),
    path(
        "recommendations/<int:pk>/",
        api.RecommendationDetail.as_view(),
        name="recommendation_detail",
    ),
    path("actions/", api.ActionList.as_view(), name="action_list"),
    path("actions/<int:pk>/", api.ActionDetail.as_view(), name="action_detail"),
    path("actions/<int:pk>/updates/", api.ActionUpdatePost.as_view(), name="action_update_post"),
    path("updates/", api.UpdateList.as_view(), name="update_list"),
    path("updates/<int:pk>/", api.UpdateDetail.as_view(), name="update_detail"),
]
