from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from oversight import views

# Refusals and failures get a page in the site's layout (405: oversight.shared.error_pages).
handler403 = "oversight.shared.error_pages.forbidden"
handler404 = "oversight.shared.error_pages.not_found"
handler500 = "oversight.shared.error_pages.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz/", views.healthz, name="healthz"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", views.SignOutView.as_view(), name="logout"),
    path("", include(("oversight.urls_inspections", "oversight"))),
    path("", include("recommendations.urls")),
    path("reviews/", include("reviews.urls")),
    path("", include("letters.urls")),
    path("", include("reminders.urls")),
    path("admin/", admin.site.urls),
]
