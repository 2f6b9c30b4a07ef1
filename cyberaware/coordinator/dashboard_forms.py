"""Forms of the completion dashboard: the filters (GET, no CSRF) and the API tokens (POST)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from cyberaware.reports import FilterOptions


class DashboardFilterForm(FlaskForm):
    """The dashboard's filters, sent as GET parameters (``faculty``, ..., ``from``, ``to``).

    Only renders them: :func:`cyberaware.reports.parse_filters` validates the values (scope, dates).
    """

    class Meta:
        csrf = False

    faculty = SelectMultipleField(_l("Faculty"), validate_choice=False)
    programme = SelectMultipleField(_l("Programme"), validate_choice=False)
    year = SelectMultipleField(_l("Year"), validate_choice=False)
    group = SelectMultipleField(_l("Group"), validate_choice=False)
    date_from = DateField(_l("Completed from"), validators=[Optional()], name="from")
    date_to = DateField(_l("Completed until"), validators=[Optional()], name="to")

    def set_options(self, options: FilterOptions) -> None:
        """Offer the distinct values of the viewer's scope in the selects."""
        self.faculty.choices = [(v, v) for v in options.faculties]
        self.programme.choices = [(v, v) for v in options.programmes]
        self.year.choices = [(v, v) for v in options.years]
        self.group.choices = [(v, v) for v in options.groups]


EXPIRY_CHOICES = [("30", _l("30 days")), ("90", _l("90 days")), ("365", _l("1 year")), ("never", _l("Never"))]


class TokenForm(FlaskForm):
    """Create an API token."""

    name = StringField(_l("Name (what the token is for)"), validators=[DataRequired(), Length(max=100)])
    expires = SelectField(_l("Expires after"), choices=EXPIRY_CHOICES, default="90")
    submit = SubmitField(_l("Create the token"))


class RevokeTokenForm(FlaskForm):
    """Revoke an API token (CSRF only)."""

    submit = SubmitField(_l("Revoke"))
