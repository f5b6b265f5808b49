"""The API's URLs for deep-dive reviews (under /api/v1/)."""

from django.urls import path

from reviews import api

app_name = "api_reviews"

urlpatterns = [
    path("reviews/", api.ReviewList.as_view(), name="review_list"),
    path("reviews/<int:pk>/", api.ReviewDetail.as_view(), name="review_detail"),
]
