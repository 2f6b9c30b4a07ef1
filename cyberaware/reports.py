"""Completion reports: the coordinators' dashboard numbers, computed in SQL.

Plain Python and SQLAlchemy (no Flask): every function takes the SQLAlchemy ``session`` and the
``viewer`` (the member of staff the report is for) and only ever counts the students
``cyberaware.services.scope.student_filter(viewer)`` lets them see. The number of queries and the
Python work depend on the number of modules and of distinct roster values (faculty, programme,
year, group), never on the number of students: the counting is ``GROUP BY`` in the database.

Semantics of the filters (shared by the dashboard, the exports, the CLI and the API):

* ``faculties``, ``programmes``, ``years``, ``groups``: which students are counted (any of the
  values listed for each; nothing listed: no restriction). Faculties outside the viewer's scope are
  refused (:class:`FilterError`), never silently dropped.
* ``date_from`` / ``date_to`` (whole days, inclusive, UTC like every stored time) never change who
  is counted; they change what counts as done. Per module, the students split into:
  ``completed`` (completed within the range), ``completed_before`` (completed before
  ``date_from``; always 0 without ``date_from``), ``in_progress`` (started by the end of the
  range and not completed by then) and ``not_started`` (no progress row, or started after the
  range). The completion rate of a module is ``completed / students``.
* A student *finished the core curriculum* when every published core module is completed by the
  end of the range and the last of those completions falls within the range.
  The core completion rate is ``finished / students``.
* Mean best scores are the current ``best_ratio`` of the progress rows that have one (quizzes
  attempted), whatever the dates: per module, and per roster group as the mean over the group's
  (student, module) pairs.
* Completions over time count module completions (within the range) per day when the
  range spans at most 31 days, per week (starting on Monday) up to two years, per month beyond;
  without dates the range runs from the first to the last completion.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from cyberaware.models import ModuleDayTotal, ModuleProgress, ModuleRecord, Role, StudentSummary, User
from cyberaware.services.scope import OutOfScope, allowed_faculties, check_faculties, student_filter

MAX_VALUES_PER_FILTER = 200
MAX_VALUE_LENGTH = 200
DAILY_UP_TO_DAYS = 31
WEEKLY_UP_TO_DAYS = 731

# GET parameter name -> ReportFilters attribute (the dashboard, the exports and the API use these).
FILTER_PARAMS = {"faculty": "faculties", "programme": "programmes", "year": "years", "group": "groups"}
DATE_PARAMS = {"from": "date_from", "to": "date_to"}


class FilterError(ValueError):
    """Filter values that cannot be used; ``code`` says why, ``values`` what was wrong."""

    def __init__(self, code: str, values: Iterable[str] = ()) -> None:
        self.code = code
        self.values = tuple(values)
        messages = {
            "out_of_scope": "these faculties are outside your scope: {}",
            "bad_date": "not a date (expected YYYY-MM-DD): {}",
            "date_order": "the start date is after the end date: {}",
            "too_many": "too many or too long values for the filter: {}",
        }
        super().__init__(messages.get(code, "invalid filter: {}").format(", ".join(self.values)))


@dataclass(frozen=True)
class ReportFilters:
    """Which students a report counts, and which completion dates count as done (see the module doc)."""

    faculties: tuple[str, ...] = ()
    programmes: tuple[str, ...] = ()
    years: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None

    @property
    def start(self) -> datetime | None:
        """First instant counted (inclusive), or None."""
        return datetime.combine(self.date_from, datetime.min.time()) if self.date_from else None

    @property
    def end(self) -> datetime | None:
        """First instant after the range (exclusive), or None."""
        return datetime.combine(self.date_to + timedelta(days=1), datetime.min.time()) if self.date_to else None

    def query_args(self) -> list[tuple[str, str]]:
        """The filters as GET parameters (for links to exports with the same filters)."""
        args = [(param, value) for param, attr in FILTER_PARAMS.items() for value in getattr(self, attr)]
        args += [(param, getattr(self, attr).isoformat()) for param, attr in DATE_PARAMS.items()
                 if getattr(self, attr) is not None]
        return args

    def describe(self) -> dict[str, Any]:
        """The filters as plain JSON values (for audit events)."""
        data = asdict(self)
        return {key: (value.isoformat() if isinstance(value, date) else list(value) if isinstance(value, tuple)
                      else value) for key, value in data.items() if value}


def _getlist(args: Any, key: str) -> list[str]:
    if hasattr(args, "getlist"):
        return list(args.getlist(key))
    value = args.get(key) if isinstance(args, Mapping) else None
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _clean_values(values: Iterable[str], param: str) -> tuple[str, ...]:
    cleaned = list(dict.fromkeys(v.strip() for v in values if v and v.strip()))
    if len(cleaned) > MAX_VALUES_PER_FILTER or any(len(v) > MAX_VALUE_LENGTH for v in cleaned):
        raise FilterError("too_many", [param])
    return tuple(cleaned)


def _parse_date(raw: str) -> date | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise FilterError("bad_date", [raw[:40]]) from None


def parse_filters(viewer: User, args: Any) -> ReportFilters:
    """Validate raw filter values (a MultiDict of GET parameters, or a dict of lists) for ``viewer``.

    Parameters: ``faculty``, ``programme``, ``year``, ``group`` (repeatable), ``from`` and ``to``
    (``YYYY-MM-DD``). Raises :class:`FilterError` for a faculty outside the viewer's scope, a bad
    date, dates in the wrong order, or absurdly many values.
    """
    values = {attr: _clean_values(_getlist(args, param), param) for param, attr in FILTER_PARAMS.items()}
    dates = {attr: _parse_date((_getlist(args, param) or [""])[0]) for param, attr in DATE_PARAMS.items()}
    return make_filters(viewer, **values, **dates)


def make_filters(viewer: User, **fields: Any) -> ReportFilters:
    """Build :class:`ReportFilters` from Python values and check them against ``viewer``'s scope."""
    filters = ReportFilters(**{k: tuple(v) if isinstance(v, list | tuple) else v for k, v in fields.items()})
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise FilterError("date_order", [f"{filters.date_from} > {filters.date_to}"])
    try:
        check_faculties(viewer, filters.faculties)
    except OutOfScope as error:
        raise FilterError("out_of_scope", str(error).split(", ")) from None
    return filters


def student_conditions(viewer: User, filters: ReportFilters) -> list[sa.ColumnElement[bool]]:
    """WHERE clauses on ``users``: the viewer's scope, then the roster filters."""
    conditions = [student_filter(viewer)]
    for column, values in ((User.faculty, filters.faculties), (User.programme, filters.programmes),
                           (User.year_of_study, filters.years), (User.group_name, filters.groups)):
        if values:
            conditions.append(column.in_(values))
    return conditions


# --- modules -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportModule:
    """A published module as a report column."""

    id: int
    slug: str
    title: str
    level: str
    position: int
    has_quiz: bool

    @property
    def is_core(self) -> bool:
        """Core modules make the curriculum every student must complete."""
        return self.level == "core"


def report_modules(session: Session, lang: str = "fr") -> list[ReportModule]:
    """Published (not archived) modules, core first then by position, titled in ``lang``."""
    records = session.scalars(
        sa.select(ModuleRecord).where(ModuleRecord.archived_at.is_(None))
        .options(selectinload(ModuleRecord.translations), selectinload(ModuleRecord.quiz))
        .order_by(ModuleRecord.level != "core", ModuleRecord.position, ModuleRecord.slug)
    )
    return [ReportModule(r.id, r.slug, r.translation(lang).title if r.translations else r.slug, r.level,
                         r.position, r.quiz is not None) for r in records]


# --- status expressions --------------------------------------------------------------------


def _completed_in_range(filters: ReportFilters) -> sa.ColumnElement[bool]:
    clause = ModuleProgress.completed_at.is_not(None)
    if filters.start is not None:
        clause = sa.and_(clause, ModuleProgress.completed_at >= filters.start)
    if filters.end is not None:
        clause = sa.and_(clause, ModuleProgress.completed_at < filters.end)
    return clause


def _completed_before(filters: ReportFilters) -> sa.ColumnElement[bool]:
    if filters.start is None:
        return sa.false()
    return ModuleProgress.completed_at < filters.start


def _in_progress(filters: ReportFilters) -> sa.ColumnElement[bool]:
    if filters.end is None:
        return ModuleProgress.completed_at.is_(None)
    return sa.and_(ModuleProgress.started_at < filters.end,
                   sa.or_(ModuleProgress.completed_at.is_(None), ModuleProgress.completed_at >= filters.end))


def _completed_by_end(filters: ReportFilters) -> sa.ColumnElement[bool]:
    clause = ModuleProgress.completed_at.is_not(None)
    if filters.end is not None:
        clause = sa.and_(clause, ModuleProgress.completed_at < filters.end)
    return clause


def _count_if(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    """``count(*) FILTER (WHERE condition)`` (PostgreSQL, and SQLite since 3.30): cheaper than
    ``sum(CASE ...)`` on a million rows."""
    return sa.func.count().filter(condition)


NOT_STARTED, IN_PROGRESS, COMPLETED, COMPLETED_BEFORE = "not_started", "in_progress", "completed", "completed_before"


def module_status(started_at: datetime | None, completed_at: datetime | None, filters: ReportFilters) -> str:
    """One student's status on one module under ``filters``' dates (the SQL above, in Python)."""
    return status_between(started_at, completed_at, filters.start, filters.end)


def status_between(started_at: datetime | None, completed_at: datetime | None, start: datetime | None,
                   end: datetime | None) -> str:
    """:func:`module_status` with the range's first instant and first instant after it."""
    if started_at is None or (end is not None and started_at >= end):
        return NOT_STARTED
    if completed_at is None or (end is not None and completed_at >= end):
        return IN_PROGRESS
    if start is not None and completed_at < start:
        return COMPLETED_BEFORE
    return COMPLETED


def ratio(part: int | float, whole: int | float) -> float | None:
    """``part / whole``, or None when ``whole`` is 0."""
    return part / whole if whole else None


# --- the report ----------------------------------------------------------------------------


@dataclass
class ModuleStats:
    """One module's counts among the report's students."""

    module: ReportModule
    students: int
    completed: int = 0
    completed_before: int = 0
    in_progress: int = 0
    mean_best: float | None = None
    scored: int = 0

    @property
    def not_started(self) -> int:
        """Students with no progress on the module (by the end of the range)."""
        return self.students - self.completed - self.completed_before - self.in_progress

    @property
    def completion_rate(self) -> float | None:
        """Completed (within the range) / students."""
        return ratio(self.completed, self.students)


@dataclass
class GroupStats:
    """Students of one roster value (a faculty, a programme, a year or a group)."""

    key: tuple[str | None, ...]
    students: int = 0
    finished: int = 0
    score_sum: float = 0.0
    scored: int = 0

    @property
    def completion_rate(self) -> float | None:
        """Students who finished the core curriculum (within the range) / students."""
        return ratio(self.finished, self.students)

    @property
    def mean_best(self) -> float | None:
        """Mean best score over the group's (student, module) pairs that have one."""
        return ratio(self.score_sum, self.scored)

    def add(self, students: int, finished: int, score_sum: float, scored: int) -> None:
        """Add the counts of one (faculty, programme, year, group) combination."""
        self.students += students
        self.finished += finished
        self.score_sum += score_sum
        self.scored += scored


@dataclass
class TimeBucket:
    """Module completions in one day, week or month."""

    start: date
    completions: int = 0


@dataclass
class CompletionReport:
    """Everything the dashboard shows (and the aggregate export and the JSON API return)."""

    filters: ReportFilters
    modules: list[ReportModule]
    students: int
    finished: int
    module_stats: list[ModuleStats]
    mean_best: float | None
    by_faculty: list[GroupStats]
    by_programme: list[GroupStats]
    by_year: list[GroupStats]
    by_group: list[GroupStats]
    combinations: list[GroupStats]
    over_time: list[TimeBucket] = field(default_factory=list)
    bucket: str = "week"

    @property
    def core_modules(self) -> list[ReportModule]:
        """The published core modules."""
        return [m for m in self.modules if m.is_core]

    @property
    def completion_rate(self) -> float | None:
        """Students who finished the core curriculum / students."""
        return ratio(self.finished, self.students)

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON values (rates as fractions between 0 and 1)."""
        def group(g: GroupStats, names: tuple[str, ...]) -> dict[str, Any]:
            return {**dict(zip(names, g.key, strict=True)), "students": g.students, "finished_core": g.finished,
                    "core_completion_rate": g.completion_rate, "mean_best_score": g.mean_best}

        return {
            "filters": self.filters.describe(),
            "students": self.students,
            "finished_core": self.finished,
            "core_completion_rate": self.completion_rate,
            "mean_best_score": self.mean_best,
            "modules": [{"slug": s.module.slug, "title": s.module.title, "level": s.module.level,
                         "not_started": s.not_started, "in_progress": s.in_progress, "completed": s.completed,
                         "completed_before_range": s.completed_before, "completion_rate": s.completion_rate,
                         "mean_best_score": s.mean_best} for s in self.module_stats],
            "by_faculty": [group(g, ("faculty",)) for g in self.by_faculty],
            "by_programme": [group(g, ("programme",)) for g in self.by_programme],
            "by_year": [group(g, ("year",)) for g in self.by_year],
            "by_group": [group(g, ("programme", "year", "group")) for g in self.by_group],
            "over_time": {"bucket": self.bucket, "points": [
                {"start": b.start.isoformat(), "completions": b.completions}
                for b in self.over_time]},
        }


def _published_progress() -> sa.ColumnElement[bool]:
    """Progress rows of modules that are not archived.

    A NOT IN over the (few) archived modules rather than an IN over the published ones: the
    database then reads each student's rows in one index range instead of one seek per module.
    """
    archived = sa.select(ModuleRecord.id).where(ModuleRecord.archived_at.is_not(None))
    return ModuleProgress.module_id.not_in(archived.scalar_subquery())


def _finished_clause(core_count: int, filters: ReportFilters) -> sa.ColumnElement[bool]:
    """The student finished every published core module by the end of the range, the last one
    within it (from the per-student totals kept in ``student_summaries``)."""
    if core_count == 0:
        return sa.false()
    clause = StudentSummary.core_done == core_count
    if filters.end is not None:
        clause = sa.and_(clause, StudentSummary.last_core_at < filters.end)
    if filters.start is not None:
        clause = sa.and_(clause, StudentSummary.last_core_at >= filters.start)
    return clause


def _combinations(session: Session, viewer: User, filters: ReportFilters,
                  modules: list[ReportModule]) -> list[GroupStats]:
    """Students, finishes and score sums per (faculty, programme, year, group): one query."""
    core_count = sum(1 for m in modules if m.is_core)
    keys = (User.faculty, User.programme, User.year_of_study, User.group_name)
    stmt = (
        sa.select(*keys, sa.func.count(User.id), _count_if(_finished_clause(core_count, filters)),
                  sa.func.coalesce(sa.func.sum(StudentSummary.score_sum), 0.0),
                  sa.func.coalesce(sa.func.sum(StudentSummary.scored), 0))
        .outerjoin(StudentSummary, StudentSummary.user_id == User.id)
        .where(*student_conditions(viewer, filters))
        .group_by(*keys)
    )
    result = []
    for faculty, programme, year, group, students, finished, score_sum, scored in session.execute(stmt):
        stats = GroupStats((faculty, programme, year, group))
        stats.add(int(students), int(finished), float(score_sum or 0), int(scored or 0))
        result.append(stats)
    result.sort(key=lambda g: tuple((k is None, k or "") for k in g.key))
    return result


def _roll_up(combinations: list[GroupStats], positions: tuple[int, ...]) -> list[GroupStats]:
    groups: dict[tuple[str | None, ...], GroupStats] = {}
    for combo in combinations:
        key = tuple(combo.key[p] for p in positions)
        groups.setdefault(key, GroupStats(key)).add(combo.students, combo.finished, combo.score_sum, combo.scored)
    return sorted(groups.values(), key=lambda g: tuple((k is None, k or "") for k in g.key))


def _day(session: Session, column: Any) -> Any:
    """The calendar day of a timestamp column, in SQL (SQLite: text, PostgreSQL: a date)."""
    if session.get_bind().dialect.name == "sqlite":
        return sa.func.date(column)
    return sa.cast(column, sa.Date)


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _owned_by(conditions: list[sa.ColumnElement[bool]]) -> sa.ColumnElement[bool]:
    """Progress rows of the users matching ``conditions``, as ``user_id IN (SELECT ...)``: both
    databases then read the users first and each one's progress rows by the ``(user_id, module_id)``
    index, instead of looking every progress row's owner up."""
    return ModuleProgress.user_id.in_(sa.select(User.id).where(*conditions))


def _module_stats(session: Session, viewer: User, filters: ReportFilters, modules: list[ReportModule],
                  students: int, conditions: list[sa.ColumnElement[bool]] | None = None) -> list[ModuleStats]:
    """Per module: the status counts and the best-score mean (one GROUP BY module) of the progress
    rows of the users matching ``conditions`` (default: the viewer's students under ``filters``)."""
    stats = {m.id: ModuleStats(m, students) for m in modules}
    if not modules:
        return []
    if conditions is None:
        conditions = student_conditions(viewer, filters)
    stmt = (
        sa.select(ModuleProgress.module_id, _count_if(_completed_in_range(filters)),
                  _count_if(_completed_before(filters)), _count_if(_in_progress(filters)),
                  sa.func.sum(ModuleProgress.best_ratio), sa.func.count(ModuleProgress.best_ratio))
        .where(_owned_by(conditions), _published_progress())
        .group_by(ModuleProgress.module_id)
    )
    for module_id, completed, before, in_progress, best_sum, scored in session.execute(stmt):
        row = stats.get(module_id)
        if row is None:  # published after the module list was read
            continue
        row.completed, row.completed_before, row.in_progress = int(completed), int(before), int(in_progress)
        row.scored = int(scored)
        row.mean_best = float(best_sum) / row.scored if row.scored and best_sum is not None else None
    return [stats[m.id] for m in modules]


def _completions_per_day(session: Session, viewer: User, filters: ReportFilters,
                         conditions: list[sa.ColumnElement[bool]] | None = None) -> dict[date, int]:
    """Module completions within the range per calendar day (one GROUP BY day), of the users
    matching ``conditions`` (default: the viewer's students under ``filters``)."""
    if conditions is None:
        conditions = student_conditions(viewer, filters)
    day = _day(session, ModuleProgress.completed_at).label("completion_day")
    stmt = (
        sa.select(day, sa.func.count())
        .where(_owned_by(conditions), _completed_in_range(filters), _published_progress())
        .group_by(sa.literal_column("completion_day"))
    )
    per_day: dict[date, int] = {}
    for value, count in session.execute(stmt):
        key = _as_date(value)
        per_day[key] = per_day.get(key, 0) + int(count)
    return per_day


def _uses_totals(viewer: User, filters: ReportFilters) -> bool:
    """The module and per-day figures can come from ``module_day_totals``: the viewer sees every
    faculty and no roster filter is set (the totals are per module and day, not per student)."""
    return (allowed_faculties(viewer) is None
            and not (filters.faculties or filters.programmes or filters.years or filters.groups))


def _totals_by_module(session: Session, filters: ReportFilters,
                      module_ids: list[int]) -> dict[int, tuple[int, int, int, float, int, int]] | None:
    """Per module, from the running totals: (completed in range, completed before, in progress,
    best-score sum, scored rows, anomalies) over every progress row, whoever owns it."""
    day = ModuleDayTotal.day
    in_range = sa.true()
    if filters.date_from is not None:
        in_range = sa.and_(in_range, day >= filters.date_from)
    if filters.date_to is not None:
        in_range = sa.and_(in_range, day <= filters.date_to)
    by_end = day <= filters.date_to if filters.date_to is not None else sa.true()

    def total(column: Any, condition: Any = None) -> Any:
        value = column if condition is None else sa.case((condition, column), else_=0)
        return sa.func.coalesce(sa.func.sum(value), 0)

    before = total(ModuleDayTotal.completed, day < filters.date_from) if filters.date_from else sa.literal(0)
    stmt = (
        sa.select(ModuleDayTotal.module_id, total(ModuleDayTotal.completed, in_range), before,
                  total(ModuleDayTotal.started, by_end) - total(ModuleDayTotal.completed, by_end),
                  total(ModuleDayTotal.best_sum), total(ModuleDayTotal.scored), total(ModuleDayTotal.anomalies))
        .where(ModuleDayTotal.module_id.in_(module_ids))
        .group_by(ModuleDayTotal.module_id)
    )
    return {row[0]: (int(row[1]), int(row[2]), int(row[3]), float(row[4]), int(row[5]), int(row[6]))
            for row in session.execute(stmt)}


def _totals_per_day(session: Session, filters: ReportFilters, module_ids: list[int]) -> dict[date, int]:
    """Completions per day within the range, from the running totals (every progress row)."""
    day = ModuleDayTotal.day
    conditions = [ModuleDayTotal.module_id.in_(module_ids)]
    if filters.date_from is not None:
        conditions.append(day >= filters.date_from)
    if filters.date_to is not None:
        conditions.append(day <= filters.date_to)
    stmt = sa.select(day, sa.func.sum(ModuleDayTotal.completed)).where(*conditions).group_by(day)
    return {_as_date(value): int(count) for value, count in session.execute(stmt) if count}


def _figures_from_totals(session: Session, filters: ReportFilters, modules: list[ReportModule],
                         students: int) -> tuple[list[ModuleStats], dict[date, int]] | None:
    """The per-module stats and per-day completions from ``module_day_totals``, minus the progress
    rows of accounts that are not students (grouped in SQL: there are few). None when the totals
    cannot be trusted (a row completed before it started), so the caller groups the rows instead."""
    module_ids = [m.id for m in modules]
    totals = _totals_by_module(session, filters, module_ids)
    if totals is None or any(row[5] for row in totals.values()):
        return None
    others = [User.role != Role.STUDENT]
    extra = {s.module.id: s for s in _module_stats(session, None, filters, modules, 0, others)}  # type: ignore[arg-type]
    stats = []
    for module in modules:
        completed, before, in_progress, best_sum, scored, _anomalies = totals.get(module.id, (0, 0, 0, 0.0, 0, 0))
        other = extra[module.id]
        row = ModuleStats(module, students, completed - other.completed, before - other.completed_before,
                          in_progress - other.in_progress)
        row.scored = scored - other.scored
        other_sum = (other.mean_best or 0.0) * other.scored
        row.mean_best = (best_sum - other_sum) / row.scored if row.scored else None
        stats.append(row)
    per_day = _totals_per_day(session, filters, module_ids)
    for day, count in _completions_per_day(session, None, filters, others).items():  # type: ignore[arg-type]
        per_day[day] = per_day.get(day, 0) - count
    return stats, {day: count for day, count in per_day.items() if count}


def bucket_start(day: date, bucket: str) -> date:
    """The first day of the day/week (Monday)/month bucket holding ``day``."""
    if bucket == "week":
        return day - timedelta(days=day.weekday())
    if bucket == "month":
        return day.replace(day=1)
    return day


def _next_bucket(day: date, bucket: str) -> date:
    if bucket == "week":
        return day + timedelta(days=7)
    if bucket == "month":
        return (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return day + timedelta(days=1)


def time_buckets(per_day: dict[date, int], first: date | None, last: date | None) -> tuple[str, list[TimeBucket]]:
    """Fold per-day completion counts into consecutive buckets from ``first`` to ``last`` (each
    defaulting to the first/last day with a count), zeros included."""
    if per_day:
        first = first or min(per_day)
        last = last or max(per_day)
    if first is None or last is None or first > last:
        return "day", []
    span = (last - first).days
    bucket = "day" if span < DAILY_UP_TO_DAYS else "week" if span < WEEKLY_UP_TO_DAYS else "month"
    buckets: dict[date, TimeBucket] = {}
    cursor = bucket_start(first, bucket)
    while cursor <= last:
        buckets[cursor] = TimeBucket(cursor)
        cursor = _next_bucket(cursor, bucket)
    for day, completions in per_day.items():
        target = buckets.get(bucket_start(day, bucket))
        if target is not None:
            target.completions += completions
    return bucket, list(buckets.values())


def completion_report(session: Session, viewer: User, filters: ReportFilters, lang: str = "fr") -> CompletionReport:
    """The dashboard's numbers for the students ``viewer`` may see, filtered.

    After the module list: one GROUP BY over the students (per roster combination, from
    ``student_summaries``), then the per-module and per-day figures: from the running totals
    ``module_day_totals`` for a viewer who sees every faculty without roster filters, otherwise
    two GROUP BY queries over the students' ``module_progress`` rows.
    """
    modules = report_modules(session, lang)
    combinations = _combinations(session, viewer, filters, modules)
    total = GroupStats(())
    for combo in combinations:
        total.add(combo.students, combo.finished, combo.score_sum, combo.scored)
    figures = _figures_from_totals(session, filters, modules, total.students) \
        if modules and _uses_totals(viewer, filters) else None
    if figures is None:
        module_stats = _module_stats(session, viewer, filters, modules, total.students)
        per_day = _completions_per_day(session, viewer, filters) if modules else {}
    else:
        module_stats, per_day = figures
    bucket, points = time_buckets(per_day, filters.date_from, filters.date_to)
    return CompletionReport(
        filters=filters, modules=modules, students=total.students, finished=total.finished,
        module_stats=module_stats, mean_best=total.mean_best,
        by_faculty=_roll_up(combinations, (0,)), by_programme=_roll_up(combinations, (1,)),
        by_year=_roll_up(combinations, (2,)), by_group=_roll_up(combinations, (1, 2, 3)),
        combinations=combinations, over_time=points, bucket=bucket,
    )


def completed_per_combination(session: Session, viewer: User, filters: ReportFilters,
                              modules: list[ReportModule]) -> dict[tuple[Any, ...], dict[int, int]]:
    """Completions within the range per (faculty, programme, year, group) and module: one query."""
    keys = (User.faculty, User.programme, User.year_of_study, User.group_name)
    result: dict[tuple[Any, ...], dict[int, int]] = {}
    if not modules:
        return result
    stmt = (
        sa.select(*keys, ModuleProgress.module_id, sa.func.count())
        .join(User, User.id == ModuleProgress.user_id)
        .where(*student_conditions(viewer, filters), _completed_in_range(filters), _published_progress())
        .group_by(*keys, ModuleProgress.module_id)
    )
    for faculty, programme, year, group, module_id, count in session.execute(stmt):
        result.setdefault((faculty, programme, year, group), {})[module_id] = int(count)
    return result


def count_students(session: Session, viewer: User, filters: ReportFilters) -> int:
    """How many students the filters select (one query)."""
    stmt = sa.select(sa.func.count(User.id)).where(*student_conditions(viewer, filters))
    return int(session.scalar(stmt) or 0)


@dataclass(frozen=True)
class FilterOptions:
    """The distinct roster values within the viewer's scope (for the filter form's selects)."""

    faculties: list[str]
    programmes: list[str]
    years: list[str]
    groups: list[str]


def filter_options(session: Session, viewer: User) -> FilterOptions:
    """Distinct faculty, programme, year and group values of the students ``viewer`` may see (one query)."""
    keys = (User.faculty, User.programme, User.year_of_study, User.group_name)
    rows = session.execute(sa.select(*keys).where(student_filter(viewer)).distinct()).all()
    columns = [sorted({row[i] for row in rows if row[i]}) for i in range(4)]
    return FilterOptions(*columns)
