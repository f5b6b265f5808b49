from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from oversight import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz/", views.healthz, name="healthz"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include(("oversight.urls_inspections", "oversight"))),
    path("", include("recommendations.urls")),
    path("reviews/", include("reviews.urls")),
    path("", include("letters.urls")),
    path("", include("reminders.urls")),
    path("admin/", admin.site.urls),
]
