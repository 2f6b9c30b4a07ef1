"""Forms of the instructor pages (Flask-WTF: CSRF on every POST)."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import SelectField, SubmitField, TextAreaField
from wtforms.validators import Length, ValidationError

#: Largest Markdown file (or pasted text) the check page accepts.
MAX_CHECK_BYTES = 1024 * 1024
PASTED_NAME = "pasted.md"
_QUIZ_FRONT_KEY = re.compile(r"^module\s*:", re.MULTILINE)


def detect_kind(text: str) -> str:
    """``quiz`` when the front matter has a ``module:`` key, else ``module`` (as the loader does)."""
    return "quiz" if _QUIZ_FRONT_KEY.search(text[:4000]) else "module"


class CheckForm(FlaskForm):
    """Paste or upload one Markdown content file to validate and preview it without saving."""

    kind = SelectField(_l("Kind of file"), default="auto", choices=[
        ("auto", _l("Detect it (a quiz has a `module:` key)")),
        ("module", _l("Module")),
        ("quiz", _l("Quiz")),
    ])
    text = TextAreaField(_l("Paste the Markdown file"), validators=[Length(max=MAX_CHECK_BYTES)],
                         render_kw={"rows": 18, "spellcheck": "false", "autocomplete": "off"})
    upload = FileField(_l("Or upload a .md file (1 MB at most, UTF-8)"),
                       validators=[FileAllowed(["md"], _l("Upload a Markdown file ending in .md."))],
                       render_kw={"accept": ".md,text/markdown"})
    submit = SubmitField(_l("Check"))

    #: Set by :meth:`validate`: the file name problems refer to, and the decoded text.
    source_name: str = PASTED_NAME
    source_text: str = ""

    def validate_upload(self, field: FileField) -> None:
        """Read the uploaded file: at most 1 MB, UTF-8 (a BOM is dropped)."""
        if not field.data:
            return
        raw = field.data.read(MAX_CHECK_BYTES + 1)
        if len(raw) > MAX_CHECK_BYTES:
            raise ValidationError(_l("The file is larger than 1 MB."))
        try:
            self.source_text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValidationError(_l("The file is not UTF-8 text (undecodable byte at position %(pos)d). "
                                     "Save it as UTF-8 and upload it again.", pos=exc.start)) from None
        name = PurePosixPath((field.data.filename or PASTED_NAME).replace("\\", "/")).name
        self.source_name = name[:200] or PASTED_NAME

    def validate(self, extra_validators: dict | None = None) -> bool:
        """Field checks, then: exactly one of the text and the file, and not empty."""
        if not super().validate(extra_validators):
            return False
        pasted = (self.text.data or "").strip()
        if self.upload.data and pasted:
            self.text.errors.append(_l("Either paste the text or upload a file, not both."))
            return False
        if not self.upload.data:
            self.source_name, self.source_text = PASTED_NAME, self.text.data or ""
        if not self.source_text.strip():
            target = self.upload if self.upload.data else self.text
            target.errors.append(_l("The file is empty.") if self.upload.data
                                 else _l("Paste a module or quiz, or upload a .md file."))
            return False
        return True

    def content_kind(self) -> str:
        """``module`` or ``quiz``: the choice made, or detected from the front matter."""
        return self.kind.data if self.kind.data in ("module", "quiz") else detect_kind(self.source_text)
