"""Completion exports: row generators and CSV / XLSX writers (plain Python, no Flask).

Rows are lists of Python values (str, int, float, date, None); the first row is the header.
The writers neutralise every text cell (spreadsheet formula injection) and stream: memory does not
grow with the number of rows. The per-student rows read students in chunks of ``chunk_size``
(one streamed query, plus one progress query per chunk), so neither do they.

Only the columns listed in :func:`student_rows` are ever read from ``users``: never a password
hash, session token or API token.
"""

from __future__ import annotations

import csv
import importlib
import importlib.util
import io
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from cyberaware import reports
from cyberaware.models import ModuleProgress, User
from cyberaware.reports import ReportFilters, ReportModule

BOM = "\ufeff"
DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CSV_FLUSH_ROWS = 500

Translate = Callable[[str], str]


def N_(text: str) -> str:  # noqa: N802 - the name pybabel extracts by default
    """Mark ``text`` for the translation catalogue without translating it here: exports translate
    their labels at run time with the ``translate`` they are given."""
    return text


def neutralise(value: Any) -> Any:
    """A cell value safe for spreadsheets: text starting with ``= + - @``, tab or carriage return
    gets a leading ``'`` so it is never read as a formula; numbers, dates and None are unchanged."""
    if isinstance(value, str) and value.startswith(DANGEROUS_PREFIXES):
        return "'" + value
    return value


def _identity(text: str) -> str:
    return text


def _percent(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


# --- per-student rows --------------------------------------------------------------------------

STUDENT_COLUMNS = (N_("Last name"), N_("First name"), N_("E-mail"), N_("Student number"), N_("Faculty"),
                   N_("Programme"), N_("Year"), N_("Group"), N_("Core completed (%)"), N_("Modules completed"))
STATUS_LABELS = {reports.NOT_STARTED: N_("not started"), reports.IN_PROGRESS: N_("in progress"),
                 reports.COMPLETED: N_("completed"), reports.COMPLETED_BEFORE: N_("completed before the period")}
#: The expert-track statuses of cyberaware.services.expert.status_label, as exports show them.
EXPERT_STATUS_LABELS = (N_("dismissed"), N_("declined"), N_("withdrawn"), N_("joined"), N_("confirmed"),
                        N_("qualified"))
MODULE_COLUMN_LABELS = (N_("status"), N_("best score (%)"), N_("completion date"), N_("Expert track"),
                        N_("completed (%)"), N_("All"))


def expert_status_lookup() -> Callable[[list[int]], dict[int, str]] | None:
    """``cyberaware.services.expert.expert_status_by_user`` when that module exists, else None."""
    if importlib.util.find_spec("cyberaware.services.expert") is None:
        return None
    module = importlib.import_module("cyberaware.services.expert")
    return getattr(module, "expert_status_by_user", None)


def student_header(modules: list[ReportModule], translate: Translate = _identity) -> list[str]:
    """The per-student export's header row."""
    header = [translate(c) for c in STUDENT_COLUMNS]
    for module in modules:
        header += [f"{module.title} — {translate('status')}", f"{module.title} — {translate('best score (%)')}",
                   f"{module.title} — {translate('completion date')}"]
    header.append(translate("Expert track"))
    return header


class StudentRowBuilder:
    """Builds per-student rows for a fixed module list and date range (labels translated once)."""

    def __init__(self, modules: list[ReportModule], filters: ReportFilters, translate: Translate = _identity):
        self.start, self.end = filters.start, filters.end
        self.labels = {status: translate(label) for status, label in STATUS_LABELS.items()}
        self.plan = [(m.id, m.is_core, m.has_quiz) for m in modules]
        self.core_total = sum(1 for m in modules if m.is_core)

    def row(self, identity: tuple[Any, ...], progress: dict[int, tuple[Any, Any, Any]],
            expert_status: str | None) -> list[Any]:
        """One student's row: identity columns, % of core modules and number of modules completed by
        the end of the period, then status / best score % / completion date per module, then the
        expert status. ``progress`` maps module id to (started_at, completed_at, best_ratio)."""
        cells: list[Any] = []
        core_done = done = 0
        labels, start, end = self.labels, self.start, self.end
        not_started, in_progress = labels[reports.NOT_STARTED], labels[reports.IN_PROGRESS]
        for module_id, is_core, has_quiz in self.plan:
            started, completed, best = progress.get(module_id, _NO_PROGRESS)
            # reports.status_between, inlined: this runs once per student and module
            if started is None or (end is not None and started >= end):
                cells += [not_started, None, None]
                continue
            score = round(best * 100, 1) if has_quiz and best is not None else None
            if completed is None or (end is not None and completed >= end):
                cells += [in_progress, score, None]
                continue
            done += 1
            core_done += is_core
            status = reports.COMPLETED_BEFORE if start is not None and completed < start else reports.COMPLETED
            cells += [labels[status], score, completed.date()]
        share = round(100 * core_done / self.core_total, 1) if self.core_total else None
        return [*identity, share, done, *cells, expert_status]


_NO_PROGRESS = (None, None, None)


def student_row(identity: tuple[Any, ...], progress: dict[int, tuple[Any, Any, Any]], modules: list[ReportModule],
                filters: ReportFilters, expert_status: str | None, translate: Translate = _identity) -> list[Any]:
    """One student's row (see :meth:`StudentRowBuilder.row`); ``identity`` is (last name, first name,
    e-mail, student number, faculty, programme, year, group)."""
    return StudentRowBuilder(modules, filters, translate).row(identity, progress, expert_status)


IDENTITY_COLUMNS = (User.last_name, User.first_name, User.email, User.student_number, User.faculty,
                    User.programme, User.year_of_study, User.group_name)


def student_rows(session: Session, viewer: User, filters: ReportFilters, lang: str = "fr",
                 translate: Translate = _identity, chunk_size: int = 1000,
                 modules: list[ReportModule] | None = None) -> Iterator[list[Any]]:
    """Header, then one row per student the viewer may see, ordered by last name, first name.

    The modules and the query are settled when this is called (so the rows can be streamed after
    the caller commits); the students are then streamed (``yield_per``) ``chunk_size`` at a time,
    each chunk costing one progress query (and one expert-status call when the expert track exists).
    """
    modules = reports.report_modules(session, lang) if modules is None else modules
    stmt = (
        sa.select(User.id, *IDENTITY_COLUMNS)
        .where(*reports.student_conditions(viewer, filters))
        .order_by(User.last_name, User.first_name, User.id)
        .execution_options(yield_per=chunk_size)
    )
    return _student_rows(session, stmt, modules, filters, translate, chunk_size)


def _progress_of(user_ids: list[int], dialect: str) -> sa.Select:
    """The progress rows of ``user_ids`` (PostgreSQL: one array parameter rather than 1,000)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import ARRAY

        owned = ModuleProgress.user_id == sa.any_(sa.bindparam("user_ids", user_ids, type_=ARRAY(sa.Integer)))
    else:
        owned = ModuleProgress.user_id.in_(user_ids)
    return sa.select(ModuleProgress.user_id, ModuleProgress.module_id, ModuleProgress.started_at,
                     ModuleProgress.completed_at, ModuleProgress.best_ratio).where(owned)


def _student_rows(session: Session, stmt: sa.Select, modules: list[ReportModule], filters: ReportFilters,
                  translate: Translate, chunk_size: int) -> Iterator[list[Any]]:
    known_modules = {m.id for m in modules}
    expert = expert_status_lookup()
    builder = StudentRowBuilder(modules, filters, translate)
    yield student_header(modules, translate)
    connection = session.connection()  # Core rows: no ORM bookkeeping per row
    dialect = connection.dialect.name
    for chunk in connection.execute(stmt).partitions(chunk_size):
        ids = [row[0] for row in chunk]
        progress: dict[int, dict[int, tuple[Any, Any, Any]]] = {}
        if known_modules:
            for user_id, module_id, started, completed, best in connection.execute(_progress_of(ids, dialect)).all():
                if module_id in known_modules:
                    progress.setdefault(user_id, {})[module_id] = (started, completed, best)
        statuses = expert(ids) if expert else {}
        for row in chunk:
            expert_status = statuses.get(row[0])
            yield builder.row(tuple(row[1:]), progress.get(row[0], {}),
                              translate(expert_status) if expert_status else None)


# --- aggregate rows ------------------------------------------------------------------------------

AGGREGATE_COLUMNS = (N_("Faculty"), N_("Programme"), N_("Year"), N_("Group"), N_("Students"),
                     N_("Finished the core curriculum"), N_("Core curriculum (%)"), N_("Mean best score (%)"))


def aggregate_rows(session: Session, viewer: User, filters: ReportFilters, lang: str = "fr",
                   translate: Translate = _identity) -> Iterator[list[Any]]:
    """Header, then one row per (faculty, programme, year, group) and a final "All" row: students,
    core curriculum finishes and rate, mean best score, then the completion rate % of each module.
    Two GROUP BY queries, whatever the number of students."""
    report = reports.completion_report(session, viewer, filters, lang)
    completed = reports.completed_per_combination(session, viewer, filters, report.modules)
    yield [translate(c) for c in AGGREGATE_COLUMNS] + [f"{m.title} — {translate('completed (%)')}"
                                                        for m in report.modules]
    for combo in report.combinations:
        per_module = completed.get(combo.key, {})
        yield [*combo.key, combo.students, combo.finished, _percent(combo.completion_rate),
               _percent(combo.mean_best)] + [_percent(reports.ratio(per_module.get(m.id, 0), combo.students))
                                             for m in report.modules]
    yield [translate("All"), None, None, None, report.students, report.finished, _percent(report.completion_rate),
           _percent(report.mean_best)] + [
        _percent(s.completion_rate) for s in report.module_stats]


# --- writers -----------------------------------------------------------------------------------


def _csv_cell(value: Any, decimal: str) -> Any:
    kind = type(value)
    if kind is str:
        return "'" + value if value.startswith(DANGEROUS_PREFIXES) else value
    if value is None:
        return ""
    if kind is int:
        return value
    if kind is float:
        text = f"{value:.1f}" if value != int(value) else f"{int(value)}"
        return text.replace(".", decimal)
    if kind is bool:
        return int(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return neutralise(str(value))


def _csv_row(row: list[Any], decimal: str) -> list[Any]:
    """A row's cells ready for :mod:`csv` (the common types handled inline: millions of cells)."""
    cells: list[Any] = []
    append = cells.append
    for value in row:
        kind = type(value)
        if kind is str:
            append("'" + value if value.startswith(DANGEROUS_PREFIXES) else value)
        elif value is None:
            append("")
        elif kind is int:
            append(value)
        else:
            append(_csv_cell(value, decimal))
    return cells


def iter_csv(rows: Iterable[list[Any]], delimiter: str = ";", decimal: str | None = None) -> Iterator[bytes]:
    """CSV as UTF-8 bytes with a BOM and CRLF line ends, in chunks of a few hundred rows.

    ``decimal`` defaults to ``,`` with the ``;`` delimiter (French-locale spreadsheets read
    ``87,5`` as a number) and to ``.`` otherwise.
    """
    decimal = decimal or ("," if delimiter == ";" else ".")
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    buffer.write(BOM)
    for count, row in enumerate(rows, start=1):
        writer.writerow(_csv_row(row, decimal))
        if count % CSV_FLUSH_ROWS == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    tail = buffer.getvalue()
    if tail:
        yield tail.encode("utf-8")


def write_csv(rows: Iterable[list[Any]], stream: IO[bytes], delimiter: str = ";", decimal: str | None = None) -> None:
    """Write ``rows`` to the binary ``stream`` as CSV (see :func:`iter_csv`)."""
    for chunk in iter_csv(rows, delimiter, decimal):
        stream.write(chunk)


def iter_xlsx(rows: Iterable[list[Any]], sheet_title: str = "Export") -> Iterator[bytes]:
    """``rows`` as an XLSX file streamed in chunks (:mod:`cyberaware.xlsx`), every text cell
    neutralised; the header row is bold and frozen, dates are real dates."""
    from cyberaware.xlsx import iter_xlsx as stream

    return stream(([neutralise(value) for value in row] for row in rows), sheet_title)


def write_xlsx(rows: Iterable[list[Any]], path_or_stream: Any, sheet_title: str = "Export") -> None:
    """Write :func:`iter_xlsx` to a path or a binary stream."""
    if hasattr(path_or_stream, "write"):
        for chunk in iter_xlsx(rows, sheet_title):
            path_or_stream.write(chunk)
        return
    with open(path_or_stream, "wb") as handle:
        write_xlsx(rows, handle, sheet_title)
