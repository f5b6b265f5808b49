from allauth.account.forms import LoginForm


class SignInForm(LoginForm):
    """allauth's sign-in form with the site's wording."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"].label = "Username or e-mail address"
        self.fields["login"].widget.attrs.pop("placeholder", None)
        self.fields["password"].widget.attrs.pop("placeholder", None)
        self.fields.pop("remember", None)
