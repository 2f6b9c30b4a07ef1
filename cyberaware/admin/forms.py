"""Admin forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SubmitField

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
