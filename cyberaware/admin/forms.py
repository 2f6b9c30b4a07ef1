"""Admin forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SubmitField, TextAreaField
from wtforms.validators import Length

from cyberaware.models import ROLES

ROLE_LABELS = {
    "student": _l("Student"),
    "instructor": _l("Instructor"),
    "coordinator": _l("Coordinator"),
    "admin": _l("Administrator"),
}


class RoleForm(FlaskForm):
    """Change one account's role."""

    role = SelectField(_l("Role"), choices=[(r, ROLE_LABELS[r]) for r in ROLES])
    submit = SubmitField(_l("Change the role"))


class ScopeForm(FlaskForm):
    """The faculties a coordinator may see, one per line (empty: every faculty)."""

    faculties = TextAreaField(_l("Faculties this coordinator may see (one per line; empty: all)"),
                              validators=[Length(max=5000)])
    submit = SubmitField(_l("Save the scope"))
