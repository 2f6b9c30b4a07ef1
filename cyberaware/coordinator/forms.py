"""Forms of the coordinator pages (Flask-WTF: CSRF on every POST)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, SubmitField
from wtforms.validators import DataRequired, Regexp

#: Shape of an upload token (``secrets.token_urlsafe(32)``) and of a SHA-256 in hexadecimal.
TOKEN_PATTERN = r"^[A-Za-z0-9_-]{43}$"
SHA256_PATTERN = r"^[0-9a-f]{64}$"


class RosterUploadForm(FlaskForm):
    """Upload a roster to see what importing it would change (nothing is saved yet)."""

    roster = FileField(_l("Roster file (CSV)"), validators=[FileRequired(_l("Choose the roster file."))],
                       render_kw={"accept": ".csv,.txt,text/csv"})
    skip_invalid = BooleanField(_l("Skip invalid lines (import only the valid lines of a file that has invalid ones)"))
    submit = SubmitField(_l("Show what would change"))


class RosterConfirmForm(FlaskForm):
    """Apply the roster previewed: only its server-side token and hash travel with the form."""

    token = HiddenField(validators=[DataRequired(), Regexp(TOKEN_PATTERN)])
    sha256 = HiddenField(validators=[DataRequired(), Regexp(SHA256_PATTERN)])
    skip_invalid = BooleanField(_l("Skip the invalid lines and import the others"))
    submit = SubmitField(_l("Confirm the import"))
