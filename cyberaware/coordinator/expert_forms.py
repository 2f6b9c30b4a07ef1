"""Forms of the coordinators' expert-track pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField, TextAreaField
from wtforms.validators import Length


class ReviewForm(FlaskForm):
    """Confirm or dismiss one flag, with an optional note (kept on the flag, not in the audit log)."""

    note = TextAreaField(_l("Note (seen by coordinators only)"), validators=[Length(max=2000)])
    confirm = SubmitField(_l("Confirm"))
    dismiss = SubmitField(_l("Dismiss"))
