"""Reading a student roster (CSV) into validated rows, without Flask or a database.

A roster is what a faculty's office exports from the student information system and opens in
Excel or LibreOffice: UTF-8 (with or without BOM) or Windows-1252, ``;`` or ``,`` between fields,
French or English headers. :func:`parse_roster` turns its bytes into a :class:`RosterFile`: the
valid rows with their line numbers, and every rejected line with its reasons. A file that cannot
be read as a roster at all (binary, empty, too large, a required column missing...) raises
:class:`RosterError` instead.

Messages are English ``%``-templates with named parameters, marked with ``_`` (a no-op here) so
that ``pybabel extract`` collects them; the web layer translates the template, then fills it in.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

#: Largest roster accepted, in bytes, and its largest number of physical lines (header included).
MAX_BYTES = 20 * 1024 * 1024
MAX_LINES = 200_000

#: The roster columns, in the order used for display, and the User column each fills.
FIELDS: tuple[str, ...] = ("student_number", "email", "last_name", "first_name", "faculty", "programme",
                           "year_of_study", "group_name")
REQUIRED_FIELDS: tuple[str, ...] = ("student_number", "email")

#: Longest value of each field: the length of the matching ``users`` column.
MAX_LENGTHS: dict[str, int] = {
    "student_number": 32, "email": 254, "last_name": 100, "first_name": 100, "faculty": 120,
    "programme": 200, "year_of_study": 20, "group_name": 60,
}


def _(message: str) -> str:
    """Mark ``message`` for translation (extracted by pybabel, translated by the web layer)."""
    return message


#: Names of the fields in messages (and the CLI), as templates to translate.
FIELD_LABELS: dict[str, str] = {
    "student_number": _("student number"),
    "email": _("e-mail"),
    "last_name": _("last name"),
    "first_name": _("first name"),
    "faculty": _("faculty"),
    "programme": _("programme"),
    "year_of_study": _("year"),
    "group_name": _("group"),
}

# Header spellings, compared after removing accents, case and punctuation (see _header_key).
_ALIASES: dict[str, tuple[str, ...]] = {
    "student_number": ("numero etudiant", "numero d etudiant", "numero de l etudiant", "n etudiant",
                       "no etudiant", "num etudiant", "numero", "code etudiant", "matricule",
                       "student number", "student id", "student no", "student num", "studentnumber",
                       "studentid", "student"),
    "email": ("courriel", "adresse courriel", "email", "e mail", "mail", "adresse mail", "adresse e mail",
              "adresse email", "adresse electronique", "email address", "e mail address", "courriel etudiant",
              "email etudiant", "mail etudiant"),
    "last_name": ("nom", "nom de famille", "nom d usage", "nom patronymique", "last name", "lastname",
                  "surname", "family name"),
    "first_name": ("prenom", "first name", "firstname", "given name", "forename"),
    "faculty": ("composante", "faculte", "ufr", "faculty", "school", "department"),
    "programme": ("diplome", "formation", "programme", "program", "degree", "degree programme", "libelle diplome",
                  "intitule diplome", "intitule formation"),
    "year_of_study": ("annee", "annee d etude", "annee d etudes", "annee etude", "niveau", "year", "year of study",
                      "study year", "level"),
    "group_name": ("groupe", "groupe td", "group", "group name", "td", "tutorial group"),
}
_HEADER_FIELDS: dict[str, str] = {alias: name for name, aliases in _ALIASES.items() for alias in aliases}

# The HTML "valid e-mail address" grammar, plus: a dot in the domain, no empty local-part atom.
_EMAIL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+"
)
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_BINARY_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", _("This is an Excel or OpenDocument workbook, not a CSV file. Save it as CSV "
                      "(semicolon- or comma-separated) and upload that file.")),
    (b"\xd0\xcf\x11\xe0", _("This is an old Excel workbook (.xls), not a CSV file. Save it as CSV "
                            "(semicolon- or comma-separated) and upload that file.")),
    (b"%PDF", _("This is a PDF document, not a CSV file.")),
    (b"\xff\xfe", _("This file is in UTF-16, which is not supported. Save it as “CSV UTF-8”.")),
    (b"\xfe\xff", _("This file is in UTF-16, which is not supported. Save it as “CSV UTF-8”.")),
)


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a line (or a file) is refused: a stable code and an English message template."""

    code: str
    template: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str:
        """The English message, filled in."""
        return self.template % self.params if self.params else self.template


class RosterError(ValueError):
    """The file as a whole cannot be read as a roster; nothing in it is imported."""

    def __init__(self, code: str, template: str, **params: Any) -> None:
        self.reason = Reason(code, template, params)
        super().__init__(self.reason.message)

    @property
    def code(self) -> str:
        """The reason's code, e.g. ``missing-column``."""
        return self.reason.code


@dataclass(frozen=True, slots=True)
class RosterRow:
    """One valid line: the values of the columns present (absent or empty ones are ``""``)."""

    line: int
    student_number: str
    email: str
    last_name: str = ""
    first_name: str = ""
    faculty: str = ""
    programme: str = ""
    year_of_study: str = ""
    group_name: str = ""

    def value(self, name: str) -> str:
        """The value of field ``name``."""
        return getattr(self, name)


@dataclass(frozen=True, slots=True)
class RejectedLine:
    """A line that will not be imported, with every reason found (at least one)."""

    line: int
    reasons: tuple[Reason, ...]

    @property
    def code(self) -> str:
        """The code of the first reason."""
        return self.reasons[0].code

    @property
    def message(self) -> str:
        """Every reason, in English, separated by semicolons."""
        return "; ".join(reason.message for reason in self.reasons)


@dataclass
class RosterFile:
    """A roster read from a file: what the header says, the valid rows and the rejected lines."""

    encoding: str
    delimiter: str
    #: roster field -> header as written in the file, for the columns found
    columns: dict[str, str]
    unknown_columns: list[str]
    rows: list[RosterRow]
    rejected: list[RejectedLine]
    #: physical lines in the file, header included
    line_count: int

    @property
    def data_lines(self) -> int:
        """Lines that held a record (valid or not); blank lines are not counted."""
        return len(self.rows) + len(self.rejected)


def parse_roster(data: bytes) -> RosterFile:
    """Read a roster from the bytes of a CSV file.

    Raises :class:`RosterError` when the file is empty, binary, too large, not UTF-8 nor
    Windows-1252, or its header lacks a required column; otherwise every line is either a
    :class:`RosterRow` or a :class:`RejectedLine` in the returned :class:`RosterFile`.
    """
    text, encoding = decode_roster(data)
    lines = io.StringIO(text, newline="")
    header_line = lines.readline()
    if not header_line.strip():
        raise RosterError("no-header", _("The first line must be the header (the column names); it is empty."))
    delimiter = sniff_delimiter(header_line)
    lines.seek(0)
    reader = csv.reader(lines, delimiter=delimiter)
    try:
        header = next(reader)
    except csv.Error as error:
        raise RosterError("malformed", _("The header line cannot be read: %(error)s."), error=str(error)) from None
    columns, positions, unknown = map_header(header)
    rows: list[RosterRow] = []
    rejected: list[RejectedLine] = []
    rejected_keys: dict[int, dict[str, str]] = {}
    width = len(header)
    while True:
        start = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            raise RosterError("malformed", _("Line %(line)d cannot be read: %(error)s."),
                              line=start, error=str(error)) from None
        if reader.line_num > MAX_LINES:
            raise RosterError("too-many-lines", _("The file has more than %(max)d lines."), max=MAX_LINES)
        if not any(cell.strip() for cell in record):
            continue  # blank line
        reasons = _row_reasons(record, width, start, reader.line_num)
        values = {name: record[index].strip() if index < len(record) else "" for name, index in positions.items()}
        values["email"] = values.get("email", "").lower()
        if not reasons:
            reasons = _value_reasons(values)
        if reasons:
            rejected.append(RejectedLine(start, tuple(reasons)))
            rejected_keys[start] = {name: values.get(name, "") for name in REQUIRED_FIELDS}
        else:
            rows.append(RosterRow(line=start, **values))
    if not rows and not rejected:
        raise RosterError("no-rows", _("The file has a header but no student lines."))
    rows, rejected = _reject_duplicates(rows, rejected, rejected_keys)
    return RosterFile(encoding=encoding, delimiter=delimiter, columns=columns, unknown_columns=unknown,
                      rows=rows, rejected=rejected, line_count=reader.line_num)


def decode_roster(data: bytes) -> tuple[str, str]:
    """The text of the file and the encoding used: ``utf-8-sig``, ``utf-8`` or ``cp1252``."""
    if not data or not data.strip():
        raise RosterError("empty", _("The file is empty."))
    if len(data) > MAX_BYTES:
        raise RosterError("too-large", _("The file is larger than %(max)d MB."), max=MAX_BYTES // (1024 * 1024))
    for signature, template in _BINARY_SIGNATURES:
        if data.startswith(signature):
            raise RosterError("not-csv", template)
    if b"\x00" in data:
        raise RosterError("binary", _("The file holds binary data (NUL bytes): it is not a CSV text file."))
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data.decode("utf-8-sig"), "utf-8-sig"
        except UnicodeDecodeError as error:
            raise RosterError("bad-encoding", _("The file announces UTF-8 but byte %(pos)d is not UTF-8."),
                              pos=error.start) from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as error:
        raise RosterError("bad-encoding", _("The file is neither UTF-8 nor Windows-1252 text (byte %(pos)d). "
                                            "Save it as “CSV UTF-8”."), pos=error.start) from None
    return text, "cp1252"


def sniff_delimiter(header_line: str) -> str:
    """``;`` or ``,``: whichever separates more fields of the header line (outside quotes)."""
    unquoted = re.sub(r'"[^"]*"', "", header_line)
    return ";" if unquoted.count(";") >= unquoted.count(",") and ";" in unquoted else ","


def header_key(name: str) -> str:
    """A header reduced for comparison: no accents, lower case, words separated by one space."""
    decomposed = unicodedata.normalize("NFKD", name)
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^0-9a-z]+", " ", ascii_only.lower()).split())


def map_header(header: list[str]) -> tuple[dict[str, str], dict[str, int], list[str]]:
    """Map the header cells to fields: ``(field -> header, field -> position, unknown headers)``.

    Raises :class:`RosterError` for a missing required column or a column given twice.
    """
    columns: dict[str, str] = {}
    positions: dict[str, int] = {}
    unknown: list[str] = []
    for index, cell in enumerate(header):
        label = cell.strip()
        name = _HEADER_FIELDS.get(header_key(label))
        if name is None:
            if label:
                unknown.append(label[:100])
            continue
        if name in columns:
            raise RosterError("duplicate-column", _("The columns “%(first)s” and “%(second)s” both give the %(field)s."),
                              first=columns[name], second=label, field=FIELD_LABELS[name])
        columns[name], positions[name] = label, index
    missing = [name for name in REQUIRED_FIELDS if name not in columns]
    if missing:
        found = ", ".join(cell.strip() for cell in header if cell.strip())[:300] or "—"
        raise RosterError("missing-column",
                          _("Required column missing: %(missing)s (e.g. “Numéro étudiant” / “student number”, "
                            "“Courriel” / “email”). Columns found: %(found)s."),
                          missing=", ".join(FIELD_LABELS[name] for name in missing), found=found)
    return columns, positions, unknown


def valid_email(address: str) -> bool:
    """True for a plausible address (HTML5 grammar, a dot in the domain, at most 254 characters)."""
    return len(address) <= MAX_LENGTHS["email"] and _EMAIL.fullmatch(address) is not None


def _row_reasons(record: list[str], width: int, start: int, end: int) -> list[Reason]:
    """Problems of the line's shape: a field spanning lines, a wrong number of fields."""
    reasons = []
    if end > start:
        reasons.append(Reason("unclosed-quote", _("This record runs from line %(start)d to line %(end)d: "
                                                  "a quotation mark is probably not closed."),
                              {"start": start, "end": end}))
    extra = record[width:]
    if len(record) < width or any(cell.strip() for cell in extra):
        reasons.append(Reason("field-count", _("The line has %(count)d field(s) where the header has %(width)d."),
                              {"count": len(record), "width": width}))
    return reasons


def _value_reasons(values: dict[str, str]) -> list[Reason]:
    """Problems of the values: required ones missing, a bad e-mail, too long, control characters."""
    reasons = []
    for name in REQUIRED_FIELDS:
        if not values.get(name):
            reasons.append(Reason(f"missing-{name.replace('_', '-')}", _("The %(field)s is missing."),
                                  {"field": FIELD_LABELS[name]}))
    email = values.get("email", "")
    if email and len(email) <= MAX_LENGTHS["email"] and not valid_email(email):
        reasons.append(Reason("bad-email", _("“%(value)s” is not a valid e-mail address."), {"value": email[:80]}))
    for name, value in values.items():
        if len(value) > MAX_LENGTHS[name]:
            reasons.append(Reason("too-long", _("The %(field)s has %(length)d characters (at most %(max)d)."),
                                  {"field": FIELD_LABELS[name], "length": len(value), "max": MAX_LENGTHS[name]}))
        elif _CONTROL.search(value):
            reasons.append(Reason("control-character", _("The %(field)s holds a line break or a control character."),
                                  {"field": FIELD_LABELS[name]}))
    return reasons


def _reject_duplicates(rows: list[RosterRow], rejected: list[RejectedLine], rejected_keys: dict[int, dict[str, str]]
                       ) -> tuple[list[RosterRow], list[RejectedLine]]:
    """Reject every line sharing a student number or an e-mail with another line of the file.

    Rejected lines count too (a line refused for its e-mail still claims its student number),
    so the result never depends on which of two conflicting lines happened to be valid.
    """
    keys: dict[int, dict[str, str]] = {row.line: {"student_number": row.student_number, "email": row.email}
                                       for row in rows}
    keys.update(rejected_keys)
    seen: dict[tuple[str, str], list[int]] = defaultdict(list)
    for line, values in keys.items():
        for name in REQUIRED_FIELDS:
            if values.get(name):
                seen[(name, values[name])].append(line)
    extra: dict[int, list[Reason]] = defaultdict(list)
    for (name, value), lines in seen.items():
        if len(lines) < 2:
            continue
        code = f"duplicate-{name.replace('_', '-')}"
        for line in lines:
            others = ", ".join(str(other) for other in sorted(lines) if other != line)
            extra[line].append(Reason(code, _("The %(field)s %(value)s is also on line(s) %(lines)s."),
                                      {"field": FIELD_LABELS[name], "value": value[:80], "lines": others}))
    if not extra:
        return rows, rejected
    kept = [row for row in rows if row.line not in extra]
    merged = {line.line: line for line in rejected}
    for row in rows:
        if row.line in extra:
            merged[row.line] = RejectedLine(row.line, tuple(extra[row.line]))
    for line in rejected:
        if line.line in extra:
            merged[line.line] = RejectedLine(line.line, line.reasons + tuple(extra[line.line]))
    return kept, sorted(merged.values(), key=lambda item: item.line)

