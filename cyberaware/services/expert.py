"""The expert track in the database: flags, their evaluation, consent and review.

The rules themselves (reading ``quizzes/expert-track.yml``, deciding who qualifies) are plain
Python in :mod:`cyberaware.expert_rules`; this module feeds them from the database and stores
the outcome in :class:`~cyberaware.models.ExpertFlag`:

- :func:`evaluate_student` after each completion (through the ``module_completed`` signal),
  in the caller's transaction;
- :func:`recompute` for every student at once (`flask expert recompute`): one aggregated query
  over ``module_progress`` grouped by student and level, then inserts and updates in chunks;
- consent (:func:`give_consent`, :func:`decline`, :func:`withdraw`) and the coordinators'
  review (:func:`confirm`, :func:`dismiss`). Nothing here commits, except what the callers do.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import contains_eager

from cyberaware.expert_rules import (
    DEFAULT_RULES,
    EPSILON,
    Evaluation,
    LevelTotals,
    ModuleResult,
    RuleSet,
    RulesFileError,
    Standing,
    evaluate,
    evaluate_totals,
    parse_rules,
)
from cyberaware.extensions import db
from cyberaware.models import ExpertFlag, ModuleProgress, ModuleRecord, QuizRecord, QuizVersion, Role, User, utcnow
from cyberaware.services import audit
from cyberaware.services.scope import student_filter

log = logging.getLogger("cyberaware.expert")

RULES_FILE = Path("quizzes") / "expert-track.yml"
CHUNK = 1000
_cache: dict[str, tuple[tuple[int, int], RuleSet]] = {}
_warned_missing: set[str] = set()


class ConsentRefused(Exception):
    """The student may not make this consent change now; ``reason`` is a code for the message."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --- the rules ----------------------------------------------------------------------------


def rules_path() -> Path:
    """``CONTENT_DIR/quizzes/expert-track.yml``."""
    return Path(current_app.config["CONTENT_DIR"]) / RULES_FILE


def current_rules() -> RuleSet:
    """The rules of the file next to the curriculum, or the defaults when there is no file.

    Raises :class:`~cyberaware.expert_rules.RulesFileError` for a malformed file (never falls
    back silently: a typo must not change who qualifies). Parsed once per file version.
    """
    path = rules_path()
    try:
        stat = path.stat()
    except FileNotFoundError:
        if str(path) not in _warned_missing:
            _warned_missing.add(str(path))
            log.warning("expert-track rules file %s not found: using the default rules", path)
        return DEFAULT_RULES
    version = (stat.st_mtime_ns, stat.st_size)
    cached = _cache.get(str(path))
    if cached is not None and cached[0] == version:
        return cached[1]
    rules = parse_rules(path.read_bytes(), source=str(path))
    _cache[str(path)] = (version, rules)
    return rules


# --- the curriculum and one student's standing ----------------------------------------------


@dataclass(frozen=True)
class CurriculumModule:
    """A published module as the rules see it (``pass_ratio`` None: no quiz to take)."""

    id: int
    slug: str
    level: str
    pass_ratio: float | None

    @property
    def has_quiz(self) -> bool:
        """The module has a quiz with a current version."""
        return self.pass_ratio is not None


def curriculum() -> list[CurriculumModule]:
    """Every published module with the pass mark of its current quiz (one query)."""
    rows = db.session.execute(
        sa.select(ModuleRecord.id, ModuleRecord.slug, ModuleRecord.level, QuizVersion.pass_ratio)
        .outerjoin(QuizRecord, sa.and_(QuizRecord.module_id == ModuleRecord.id, QuizRecord.archived_at.is_(None)))
        .outerjoin(QuizVersion, QuizVersion.id == QuizRecord.current_version_id)
        .where(ModuleRecord.archived_at.is_(None))
        .order_by(ModuleRecord.position, ModuleRecord.slug)
    )
    return [CurriculumModule(*row) for row in rows]


def _quiz_passed(module: CurriculumModule, completed_via: str | None, grade_ratio: float | None) -> bool:
    """Passed once: completed by the quiz, or the grade reaches the current pass mark."""
    if not module.has_quiz:
        return False
    return completed_via == "quiz" or (grade_ratio is not None and grade_ratio >= module.pass_ratio - EPSILON)


def standing_of(user_id: int, modules: list[CurriculumModule] | None = None) -> Standing:
    """The student's results on every published module (two queries)."""
    modules = curriculum() if modules is None else modules
    rows = {row.module_id: row for row in db.session.execute(
        sa.select(ModuleProgress.module_id, ModuleProgress.completed_at, ModuleProgress.completed_via,
                  ModuleProgress.best_ratio, ModuleProgress.grade_ratio)
        .where(ModuleProgress.user_id == user_id))}
    results = []
    for module in modules:
        row = rows.get(module.id)
        results.append(ModuleResult(
            slug=module.slug, level=module.level, has_quiz=module.has_quiz,
            completed=row is not None and row.completed_at is not None,
            best_ratio=row.best_ratio if row is not None else None,
            passed=row is not None and _quiz_passed(module, row.completed_via, row.grade_ratio)))
    return Standing(tuple(results))


# --- storing an evaluation -------------------------------------------------------------------


def flag_of(user_id: int) -> ExpertFlag | None:
    """The student's flag, if they ever qualified."""
    return db.session.scalar(sa.select(ExpertFlag).where(ExpertFlag.user_id == user_id))


def _store(user_id: int, evaluation: Evaluation, now: datetime) -> ExpertFlag | None:
    """Upsert the flag: created when the student first qualifies, then kept up to date."""
    flag = flag_of(user_id)
    if flag is None:
        if not evaluation.qualified:
            return None
        flag = ExpertFlag(user_id=user_id, review_status="pending", consent="none", review_note="")
        db.session.add(flag)
    flag.qualified = evaluation.qualified
    flag.rules_met = evaluation.rules_met
    flag.evaluated_at = now
    if evaluation.qualified and flag.qualified_at is None:
        flag.qualified_at = now
        log.info("expert track: user_id=%s qualifies", user_id)
    return flag


def evaluate_student(user_id: int, now: datetime | None = None) -> Evaluation | None:
    """Evaluate the rules for one student and upsert their flag (not committed).

    Returns None for accounts that are not students (staff never get a flag).
    """
    user = db.session.get(User, user_id)
    if user is None or user.role != Role.STUDENT:
        return None
    evaluation = evaluate(current_rules(), standing_of(user_id))
    _store(user_id, evaluation, now or utcnow())
    return evaluation


def _on_module_completed(progress: ModuleProgress, **_extra: Any) -> None:
    """Re-evaluate the student whose module just became completed.

    Runs inside the completion's transaction, in a savepoint: if the rules file is broken or
    the flag cannot be written, the completion is still recorded and the error is logged
    (`flask expert recompute` catches up once it is fixed).
    """
    try:
        with db.session.begin_nested():
            evaluate_student(progress.user_id)
    except RulesFileError as error:
        log.error("expert track not evaluated for user_id=%s: %s", progress.user_id, error)
    except SQLAlchemyError:
        log.exception("expert track not evaluated for user_id=%s", progress.user_id)


def connect_signals() -> None:
    """Listen to ``module_completed`` (idempotent: connecting twice keeps one receiver)."""
    from cyberaware.services.attempts import module_completed

    module_completed.connect(_on_module_completed)


# --- everyone at once ---------------------------------------------------------------------------


def _sums_by_student(modules: list[CurriculumModule]) -> dict[int, dict[str, tuple[int, float, int]]]:
    """student id -> level -> (completed, sum of best ratios on quizzes, quizzes passed).

    One aggregated query over module_progress (published modules, students only).
    """
    has_quiz = QuizVersion.id.is_not(None)
    passed = sa.and_(has_quiz, sa.or_(ModuleProgress.completed_via == "quiz",
                                      ModuleProgress.grade_ratio >= QuizVersion.pass_ratio - EPSILON))
    stmt = (
        sa.select(
            ModuleProgress.user_id, ModuleRecord.level,
            sa.func.count(ModuleProgress.completed_at),
            sa.func.sum(sa.case((has_quiz, sa.func.coalesce(ModuleProgress.best_ratio, 0.0)), else_=0.0)),
            sa.func.sum(sa.case((passed, 1), else_=0)),
        )
        .join(ModuleRecord, ModuleRecord.id == ModuleProgress.module_id)
        .join(User, User.id == ModuleProgress.user_id)
        .outerjoin(QuizRecord, sa.and_(QuizRecord.module_id == ModuleRecord.id, QuizRecord.archived_at.is_(None)))
        .outerjoin(QuizVersion, QuizVersion.id == QuizRecord.current_version_id)
        .where(ModuleRecord.archived_at.is_(None), User.role == Role.STUDENT)
        .group_by(ModuleProgress.user_id, ModuleRecord.level)
    )
    sums: dict[int, dict[str, tuple[int, float, int]]] = {}
    for user_id, level, completed, best_sum, passed_count in db.session.execute(stmt):
        sums.setdefault(user_id, {})[level] = (int(completed or 0), float(best_sum or 0.0), int(passed_count or 0))
    return sums


def _chunks(items: list[dict[str, Any]], size: int = CHUNK) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def recompute(actor: User | None = None, now: datetime | None = None) -> dict[str, int]:
    """Re-evaluate every student; insert and update flags in chunks (not committed).

    Returns counts: ``students`` evaluated, ``qualified`` now, ``new`` flags, ``lost`` (flags
    that stopped qualifying), ``updated`` flags. Writes an ``expert.recompute`` audit event.
    """
    now = now or utcnow()
    rules = current_rules()
    modules = curriculum()
    per_level: dict[str, tuple[int, int]] = {}
    for module in modules:
        count, quizzes = per_level.get(module.level, (0, 0))
        per_level[module.level] = (count + 1, quizzes + module.has_quiz)

    def totals_for(sums: Mapping[str, tuple[int, float, int]]) -> dict[str, LevelTotals]:
        result = {}
        for level, (count, quizzes) in per_level.items():
            completed, best_sum, passed = sums.get(level, (0, 0.0, 0))
            result[level] = LevelTotals(count, completed, quizzes, best_sum, passed)
        return result

    sums = _sums_by_student(modules)
    existing = {row.user_id: row for row in db.session.execute(
        sa.select(ExpertFlag.id, ExpertFlag.user_id, ExpertFlag.qualified, ExpertFlag.qualified_at))}
    candidates: Iterable[int] = set(sums) | set(existing)
    if evaluate_totals(rules, totals_for({})).qualified:
        # Every rule is met by doing nothing (e.g. only "all advanced quizzes passed" and no
        # advanced module): every student qualifies, even those who never opened a module.
        candidates = set(candidates) | set(db.session.scalars(sa.select(User.id).where(User.role == Role.STUDENT)))

    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    counts = {"students": 0, "qualified": 0, "new": 0, "lost": 0, "updated": 0}
    for user_id in sorted(candidates):
        evaluation = evaluate_totals(rules, totals_for(sums.get(user_id, {})))
        counts["students"] += 1
        counts["qualified"] += evaluation.qualified
        flag = existing.get(user_id)
        if flag is None:
            if evaluation.qualified:
                inserts.append({"user_id": user_id, "qualified": True, "rules_met": evaluation.rules_met,
                                "evaluated_at": now, "qualified_at": now, "review_status": "pending",
                                "review_note": "", "consent": "none"})
            continue
        counts["lost"] += flag.qualified and not evaluation.qualified
        updates.append({"id": flag.id, "qualified": evaluation.qualified, "rules_met": evaluation.rules_met,
                        "evaluated_at": now, "qualified_at": flag.qualified_at or (now if evaluation.qualified else None)})
    for chunk in _chunks(inserts):
        db.session.execute(sa.insert(ExpertFlag), chunk)
    for chunk in _chunks(updates):
        db.session.execute(sa.update(ExpertFlag), chunk)
    counts["new"], counts["updated"] = len(inserts), len(updates)
    audit.record(actor, "expert.recompute", rows=len(inserts) + len(updates), rules=rules.source,
                 qualified=counts["qualified"], new=counts["new"], lost=counts["lost"])
    log.info("expert track recomputed: %s", counts)
    return counts


# --- statuses ------------------------------------------------------------------------------------

#: The short statuses of :func:`status_label`, most telling first.
STATUSES = ("dismissed", "declined", "withdrawn", "joined", "confirmed", "qualified")


def status_label(qualified: bool, review_status: str, consent: str) -> str:
    """One short status for exports.

    ``dismissed`` (a coordinator said no) wins, then the student's answer (``declined``,
    ``withdrawn``, ``joined``), then ``confirmed`` (by a coordinator, student not answered
    yet), then ``qualified`` (meets the rules, not reviewed, no answer); ``""`` otherwise.
    """
    if review_status == "dismissed":
        return "dismissed"
    if consent in ("declined", "withdrawn"):
        return consent
    if consent == "given":
        return "joined"
    if review_status == "confirmed":
        return "confirmed"
    return "qualified" if qualified else ""


def expert_status_by_user(user_ids: Iterable[int]) -> dict[int, str]:
    """user id -> short status (see :func:`status_label`); students without a flag are absent
    (read them as ``""``). Queries by chunks of 1000 ids."""
    ids = list(dict.fromkeys(user_ids))
    result: dict[int, str] = {}
    for start in range(0, len(ids), CHUNK):
        rows = db.session.execute(
            sa.select(ExpertFlag.user_id, ExpertFlag.qualified, ExpertFlag.review_status, ExpertFlag.consent)
            .where(ExpertFlag.user_id.in_(ids[start:start + CHUNK])))
        for user_id, qualified, review_status, consent in rows:
            label = status_label(qualified, review_status, consent)
            if label:
                result[user_id] = label
    return result


# --- the student's side ----------------------------------------------------------------------------


@dataclass(frozen=True)
class StudentStatus:
    """What the student's expert-track page shows."""

    rules: RuleSet
    evaluation: Evaluation  # live, from the student's progress now
    flag: ExpertFlag | None

    @property
    def qualified(self) -> bool:
        """The student meets every rule now."""
        return self.evaluation.qualified

    @property
    def consent(self) -> str:
        """``none``, ``given``, ``declined`` or ``withdrawn``."""
        return self.flag.consent if self.flag is not None else "none"

    @property
    def can_join(self) -> bool:
        """Invited and not in yet (also after declining or withdrawing: people change their mind)."""
        return self.qualified and self.consent != "given"

    @property
    def can_decline(self) -> bool:
        """Invited and not answered yet."""
        return self.qualified and self.consent == "none"

    @property
    def can_withdraw(self) -> bool:
        """Joined (even if they stopped meeting the rules since)."""
        return self.consent == "given"


def student_status(user: User, now: datetime | None = None) -> StudentStatus:
    """The rules, the student's live evaluation and their flag.

    When the live evaluation differs from the flag (a better score on a quiz already completed
    sends no completion signal), the flag is brought up to date: not committed.
    """
    rules = current_rules()
    evaluation = evaluate(rules, standing_of(user.id))
    flag = flag_of(user.id)
    stale = (flag is None and evaluation.qualified) or (
        flag is not None and (flag.qualified != evaluation.qualified or flag.rules_met != evaluation.rules_met))
    if stale and user.role == Role.STUDENT:
        flag = _store(user.id, evaluation, now or utcnow())
    return StudentStatus(rules, evaluation, flag)


def _set_consent(flag: ExpertFlag, consent: str, now: datetime | None) -> ExpertFlag:
    flag.consent = consent
    flag.consent_at = now or utcnow()
    log.info("expert track: user_id=%s consent=%s", flag.user_id, consent)
    return flag


def give_consent(user: User, now: datetime | None = None) -> ExpertFlag:
    """The student joins the expert track (they must qualify now). Not committed."""
    evaluation = evaluate_student(user.id, now)  # also catches up a flag the signal missed
    flag = flag_of(user.id)
    if evaluation is None or not evaluation.qualified or flag is None:
        raise ConsentRefused("not-qualified")
    if flag.consent == "given":
        return flag
    return _set_consent(flag, "given", now)


def decline(user: User, now: datetime | None = None) -> ExpertFlag:
    """The student says no thanks to the invitation (before answering it). Not committed."""
    evaluation = evaluate_student(user.id, now)
    flag = flag_of(user.id)
    if evaluation is None or not evaluation.qualified or flag is None:
        raise ConsentRefused("not-qualified")
    if flag.consent != "none":
        raise ConsentRefused("already-answered")
    return _set_consent(flag, "declined", now)


def withdraw(user: User, now: datetime | None = None) -> ExpertFlag:
    """The student withdraws the consent they gave. Not committed."""
    flag = flag_of(user.id)
    if flag is None or flag.consent != "given":
        raise ConsentRefused("not-joined")
    return _set_consent(flag, "withdrawn", now)


# --- the coordinators' side ----------------------------------------------------------------------


@dataclass(frozen=True)
class FlagFilters:
    """The list's filters (empty string: no filter)."""

    faculty: str = ""
    programme: str = ""
    year: str = ""
    group: str = ""
    review: str = ""  # pending | confirmed | dismissed
    consent: str = ""  # none | given | declined | withdrawn
    current: str = ""  # "yes": qualifies now; "no": stopped qualifying

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> FlagFilters:
        """Read the filters from query-string arguments (unknown values are ignored)."""
        def text(name: str, limit: int) -> str:
            return (args.get(name) or "").strip()[:limit]

        review, consent, current = text("review", 20), text("consent", 20), text("current", 3)
        return cls(faculty=text("faculty", 120), programme=text("programme", 200), year=text("year", 20),
                   group=text("group", 60),
                   review=review if review in ("pending", "confirmed", "dismissed") else "",
                   consent=consent if consent in ("none", "given", "declined", "withdrawn") else "",
                   current=current if current in ("yes", "no") else "")

    def as_args(self) -> dict[str, str]:
        """The non-empty filters, for links and the audit log."""
        return {key: value for key, value in vars(self).items() if value}


def _conditions(actor: User, filters: FlagFilters, external: bool) -> list[sa.ColumnElement[bool]]:
    """WHERE clauses (on ExpertFlag joined to User): ``actor``'s scope, then the filters."""
    conditions = [student_filter(actor)]
    columns = {"faculty": User.faculty, "programme": User.programme, "year": User.year_of_study,
               "group": User.group_name, "review": ExpertFlag.review_status, "consent": ExpertFlag.consent}
    for name, column in columns.items():
        value = getattr(filters, name)
        if value:
            conditions.append(column == value)
    if filters.current:
        conditions.append(ExpertFlag.qualified.is_(filters.current == "yes"))
    if external:
        conditions += [ExpertFlag.consent == "given", ExpertFlag.review_status == "confirmed"]
    return conditions


def flags_query(actor: User, filters: FlagFilters = FlagFilters(), external: bool = False) -> sa.Select:
    """``SELECT ExpertFlag`` (with its user loaded) that ``actor`` may see, filtered, by name.

    ``external``: only students who gave their consent and whom a coordinator confirmed (what
    may leave the university). The caller checks the faculty filter with ``check_faculties``.
    """
    return (sa.select(ExpertFlag).join(User, User.id == ExpertFlag.user_id)
            .where(*_conditions(actor, filters, external)).options(contains_eager(ExpertFlag.user))
            .order_by(User.last_name, User.first_name, User.id))


#: The columns of each export. Outside the university: the minimum, nothing about the review.
EXPORT_COLUMNS = {
    "internal": ("last_name", "first_name", "email", "student_number", "faculty", "programme", "year", "group",
                 "qualified", "rules_met", "qualified_at", "review_status", "review_note", "consent", "consent_at"),
    "external": ("last_name", "first_name", "email", "faculty", "programme", "year", "qualified_at", "consent_at"),
}
_EXPORT_SOURCES = {
    "last_name": User.last_name, "first_name": User.first_name, "email": User.email,
    "student_number": User.student_number, "faculty": User.faculty, "programme": User.programme,
    "year": User.year_of_study, "group": User.group_name, "qualified": ExpertFlag.qualified,
    "rules_met": ExpertFlag.rules_met, "qualified_at": ExpertFlag.qualified_at,
    "review_status": ExpertFlag.review_status, "review_note": ExpertFlag.review_note,
    "consent": ExpertFlag.consent, "consent_at": ExpertFlag.consent_at,
}


def export_count(actor: User, filters: FlagFilters, audience: str) -> int:
    """How many rows :func:`export_rows` yields (counted before streaming, for the audit log)."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(ExpertFlag)
                             .join(User, User.id == ExpertFlag.user_id)
                             .where(*_conditions(actor, filters, audience == "external"))) or 0


def export_rows(actor: User, filters: FlagFilters, audience: str) -> Iterator[tuple[Any, ...]]:
    """The export's rows (values in :data:`EXPORT_COLUMNS` order), fetched 1000 at a time.

    The query (with ``actor``'s scope) is built when this is called; the rows are read as the
    returned iterator is consumed, so a streamed response needs neither the actor nor the
    request any more. ``rules_met`` is given as the list of the ids of the rules met.
    """
    columns = EXPORT_COLUMNS[audience]
    stmt = (sa.select(*(_EXPORT_SOURCES[name] for name in columns)).select_from(ExpertFlag)
            .join(User, User.id == ExpertFlag.user_id)
            .where(*_conditions(actor, filters, audience == "external"))
            .order_by(User.last_name, User.first_name, User.id).execution_options(yield_per=CHUNK))
    met_at = columns.index("rules_met") if "rules_met" in columns else None

    def rows() -> Iterator[tuple[Any, ...]]:
        for row in db.session.execute(stmt):
            values = tuple(row)
            if met_at is not None:
                met = [rule_id for rule_id, ok in (values[met_at] or {}).items() if ok]
                values = values[:met_at] + (met,) + values[met_at + 1:]
            yield values

    return rows()


def filter_choices(actor: User) -> dict[str, list[str]]:
    """The values the list's filters offer: those of the flagged students ``actor`` may see."""
    columns = {"faculty": User.faculty, "programme": User.programme, "year": User.year_of_study,
               "group": User.group_name}
    choices = {}
    for name, column in columns.items():
        choices[name] = [value for value in db.session.scalars(
            sa.select(column).distinct().join(ExpertFlag, ExpertFlag.user_id == User.id)
            .where(student_filter(actor), column.is_not(None), column != "").order_by(column))]
    return choices


def visible_flag(actor: User, flag_id: int) -> ExpertFlag | None:
    """The flag ``flag_id`` when its student is within ``actor``'s scope, else None."""
    return db.session.scalar(sa.select(ExpertFlag).join(User, User.id == ExpertFlag.user_id)
                             .where(ExpertFlag.id == flag_id, student_filter(actor)))


def _review(flag: ExpertFlag, actor: User, status: str, note: str, now: datetime | None) -> ExpertFlag:
    previous = flag.review_status
    flag.review_status = status
    flag.review_note = (note or "").strip()[:2000]
    flag.reviewed_by_id = actor.id
    flag.reviewed_at = now or utcnow()
    action = "expert.confirm" if status == "confirmed" else "expert.dismiss"
    # The note itself stays on the flag: the audit log holds no free text about a student.
    audit.record(actor, action, 1, user_id=flag.user_id, before=previous, note=bool(flag.review_note))
    return flag


def confirm(flag: ExpertFlag, actor: User, note: str = "", now: datetime | None = None) -> ExpertFlag:
    """A coordinator confirms the flag (audited; not committed)."""
    return _review(flag, actor, "confirmed", note, now)


def dismiss(flag: ExpertFlag, actor: User, note: str = "", now: datetime | None = None) -> ExpertFlag:
    """A coordinator dismisses the flag (audited; not committed)."""
    return _review(flag, actor, "dismissed", note, now)


def record_export(actor: User, audience: str, rows: int, filters: FlagFilters) -> None:
    """Audit an export of the list (``audience``: internal or external). Not committed."""
    audit.record(actor, "expert.export", rows, audience=audience, **filters.as_args())
