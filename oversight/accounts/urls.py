from django.urls import path

from oversight.accounts import views

app_name = "accounts"
urlpatterns = [
    # allauth's e-mail management is not offered: an administrator sets a person's address,
    # since single sign-on and password resets find people by it.
    path("accounts/email/", views.email_set_by_administrator, name="email"),
    path("accounts/two-factor-needed/", views.two_factor_needed, name="two_factor_needed"),
]
