"""Forms of the authentication pages (Flask-WTF: CSRF on every POST)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from cyberaware.passwords import MAX_LENGTH, password_problems

PASSWORD_MESSAGES = {
    "too-short": _l("Use at least 12 characters; a passphrase of several words is easiest."),
    "too-long": _l("Use at most 256 characters."),
    "common": _l("This password is too common or appears in breaches; choose another one."),
    "contains-email": _l("Do not put your e-mail address in your password."),
}


def check_new_password(form: FlaskForm, field: PasswordField) -> None:
    """WTForms validator applying :func:`cyberaware.passwords.password_problems`."""
    email = getattr(getattr(form, "email", None), "data", None) or getattr(form, "account_email", "")
    problems = password_problems(field.data or "", email or "")
    if problems:
        raise ValidationError(" ".join(str(PASSWORD_MESSAGES[p]) for p in problems))


class LoginForm(FlaskForm):
    """E-mail and password."""

    email = StringField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)],
                        render_kw={"autocomplete": "username", "inputmode": "email"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=MAX_LENGTH)],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField(_l("Stay logged in on this device"))
    next = HiddenField()
    submit = SubmitField(_l("Log in"))


class RegistrationForm(FlaskForm):
    """Self-registration for the allowed university domains."""

    first_name = StringField(_l("First name"), validators=[DataRequired(), Length(max=100)],
                             render_kw={"autocomplete": "given-name"})
    last_name = StringField(_l("Last name"), validators=[DataRequired(), Length(max=100)],
                            render_kw={"autocomplete": "family-name"})
    email = StringField(_l("University e-mail address"),
                        validators=[DataRequired(), Length(max=254), Email(check_deliverability=False)],
                        render_kw={"autocomplete": "email", "inputmode": "email"})
    password = PasswordField(_l("Password (at least 12 characters)"),
                             validators=[DataRequired(), check_new_password],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Repeat the password"),
                            validators=[DataRequired(), EqualTo("password", _l("The two passwords differ."))],
                            render_kw={"autocomplete": "new-password"})
    submit = SubmitField(_l("Create my account"))


class ResetRequestForm(FlaskForm):
    """Ask for a password reset link."""

    email = StringField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)],
                        render_kw={"autocomplete": "email", "inputmode": "email"})
    submit = SubmitField(_l("Send me a link"))


class NewPasswordForm(FlaskForm):
    """Choose a new password (from a reset or invitation link)."""

    account_email = ""
    password = PasswordField(_l("New password (at least 12 characters)"),
                             validators=[DataRequired(), check_new_password],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[DataRequired(), EqualTo("password", _l("The two passwords differ."))],
                            render_kw={"autocomplete": "new-password"})
    submit = SubmitField(_l("Save the password"))


class ChangePasswordForm(NewPasswordForm):
    """Change the password from the settings page."""

    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=MAX_LENGTH)],
                            render_kw={"autocomplete": "current-password"})
    submit = SubmitField(_l("Change the password"))


class LanguageForm(FlaskForm):
    """The preferred language of the interface and of the modules."""

    locale = SelectField(_l("Language"), choices=[("fr", "Français"), ("en", "English")])
    submit = SubmitField(_l("Save"))


class DeleteAccountForm(FlaskForm):
    """Erase one's own account, confirmed by the password."""

    password = PasswordField(_l("Your password, to confirm"), validators=[DataRequired(), Length(max=MAX_LENGTH)],
                             render_kw={"autocomplete": "current-password"})
    confirm = BooleanField(_l("I understand that my account, my progress and my attestations will be deleted"),
                           validators=[DataRequired()])
    submit = SubmitField(_l("Delete my account"))
