from allauth.account import views as allauth_views
from allauth.account.decorators import secure_admin_login
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularJSONAPIView,
    SpectacularSwaggerSplitView,
)

from oversight import views
from oversight.accounts.views_language import switch_language

# Refusals and failures get a page in the site's layout (405: oversight.shared.error_pages).
handler403 = "oversight.shared.error_pages.forbidden"
handler404 = "oversight.shared.error_pages.not_found"
handler500 = "oversight.shared.error_pages.server_error"

# The admin's own sign-in form would let staff in on a password alone, past two-factor
# sign-in and the office's rule: it sends them to the site's sign-in page instead.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz/", views.healthz, name="healthz"),
    # For whatever asks for the old name without reading the pages' <link rel="icon">: sent
    # to the static icon, not a 404 page rendered for each asking.
    path("favicon.ico", views.favicon, name="favicon"),
    path("language/", switch_language, name="switch_language"),
    # Signing in and out keep their short names; the rest of /accounts/ is django-allauth's
    # (password change and reset, two-factor sign-in, single sign-on) and this site's own
    # (invitations, office administration: oversight/accounts/urls.py).
    path("accounts/login/", allauth_views.login, name="login"),
    path("accounts/logout/", views.SignOutView.as_view(), name="logout"),
    path("", include("oversight.accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("", include(("oversight.urls_inspections", "oversight"))),
    path("", include("recommendations.urls")),
    path("reviews/", include("reviews.urls")),
    path("search/", include("reviews.urls_search")),
    path("", include("letters.urls")),
    path("", include("reminders.urls")),
    # The API for organisations' tools (personal access tokens), its schema and docs.
    path("api/v1/", include("recommendations.api_urls")),
    path("api/v1/", include("reviews.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("api/schema.json", SpectacularJSONAPIView.as_view(), name="api_schema_json"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api_schema"), name="api_docs"),
    path("admin/", admin.site.urls),
]

# Each office's public site: no sign-in, only what its staff published; in English at
# /public/... and in Welsh at /cy/public/... (the language is in the address, not a cookie).
urlpatterns += i18n_patterns(
    path("public/", include("letters.urls_public")),
    prefix_default_language=False,
)
