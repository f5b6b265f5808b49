from django.urls import path

from oversight.accounts import views, views_tokens

app_name = "accounts"
urlpatterns = [
    # allauth's e-mail management is not offered: an administrator sets a person's address,
    # since single sign-on and password resets find people by it.
    path("accounts/email/", views.email_set_by_administrator, name="email"),
    path("accounts/two-factor-needed/", views.two_factor_needed, name="two_factor_needed"),
    path("accounts/invitation/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("accounts/api-tokens/", views_tokens.api_tokens, name="api_tokens"),
    path(
        "accounts/api-tokens/<int:pk>/revoke/",
        views_tokens.api_token_revoke_view,
        name="api_token_revoke",
    ),
    path("people/", views.people, name="people"),
    path("people/invite/", views.invite, name="invite"),
    path("people/activity/", views.activity, name="activity"),
    path("people/two-factor/", views.two_factor_rule, name="two_factor_rule"),
    path(
        "people/invitations/<int:pk>/withdraw/",
        views.invitation_withdraw,
        name="invitation_withdraw",
    ),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("people/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("people/<int:pk>/deactivate/", views.person_deactivate, name="person_deactivate"),
    path("people/<int:pk>/reactivate/", views.person_reactivate, name="person_reactivate"),
    path(
        "people/<int:pk>/two-factor/reset/",
        views.person_reset_two_factor,
        name="person_reset_two_factor",
    ),
]
