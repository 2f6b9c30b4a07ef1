"""Quiz analytics: running totals kept at each submission (``cyberaware.models.analytics``),
read with a fixed number of small queries and turned into statistics by
:mod:`cyberaware.item_analysis`. Nothing grows with the number of attempts."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from cyberaware.content.model import Quiz
from cyberaware.extensions import db
from cyberaware.item_analysis import (
    ItemStats,
    Sums,
    cronbach_alpha,
    histogram,
    item_stats,
    median_from_histogram,
    option_counts,
    unpicked_options,
    variance,
)
from cyberaware.models import (
    AnswerTally,
    Attempt,
    AttemptAnswer,
    ItemTally,
    QuizRecord,
    QuizTally,
    QuizVersion,
    RatioTally,
)
from cyberaware.services.attempts import quiz_content


@dataclass
class QuestionReport:
    """A question with its statistics and answer distribution."""

    stats: ItemStats
    question: object | None  # the content Question (None when the version lacks it)
    option_shares: list[tuple[int, float]] = field(default_factory=list)  # (option index, share)
    unpicked: list[int] = field(default_factory=list)
    frequent_answers: list[tuple[str, int, bool]] = field(default_factory=list)  # key, count, right


@dataclass
class QuizReport:
    """Everything the analytics page shows for one quiz (and version, and attempt selection)."""

    quiz: QuizRecord
    version: QuizVersion | None
    content: Quiz | None
    first_only: bool
    attempts: int
    students: int
    pass_rate: float | None
    mean_ratio: float | None
    median_ratio: float | None
    mean_seconds: float | None
    distribution: list[tuple[str, int]]
    alpha: float | None
    alpha_note: str | None
    questions: list[QuestionReport]


def _duration_seconds() -> sa.ColumnElement[float]:
    """submitted_at − started_at in seconds, in SQL (both databases)."""
    if db.engine.dialect.name == "postgresql":
        return sa.func.extract("epoch", Attempt.submitted_at - Attempt.started_at)
    return (sa.func.julianday(Attempt.submitted_at) - sa.func.julianday(Attempt.started_at)) * 86400.0


def versions_of(quiz: QuizRecord) -> list[tuple[QuizVersion, int]]:
    """The quiz's versions, newest first, with their number of submitted attempts."""
    counts = dict(db.session.execute(
        sa.select(QuizTally.version_id, QuizTally.n).join(QuizVersion, QuizVersion.id == QuizTally.version_id)
        .where(QuizVersion.quiz_id == quiz.id, QuizTally.scope == "all")).all())
    versions = db.session.scalars(sa.select(QuizVersion).where(QuizVersion.quiz_id == quiz.id)
                                  .order_by(QuizVersion.id.desc()))
    return [(v, counts.get(v.id, 0)) for v in versions]


def quiz_overview() -> list[tuple[QuizRecord, int, float | None]]:
    """Every quiz with its number of submitted attempts and pass rate (one query on the totals)."""
    totals = (sa.select(QuizVersion.quiz_id, sa.func.sum(QuizTally.n).label("n"),
                        sa.func.sum(QuizTally.passed).label("passed"))
              .join(QuizTally, sa.and_(QuizTally.version_id == QuizVersion.id, QuizTally.scope == "all"))
              .group_by(QuizVersion.quiz_id).subquery())
    rows = db.session.execute(sa.select(QuizRecord, totals.c.n, totals.c.passed)
                              .outerjoin(totals, totals.c.quiz_id == QuizRecord.id).order_by(QuizRecord.slug)).all()
    return [(quiz, int(n or 0), (passed or 0) / n if n else None) for quiz, n, passed in rows]


def _upsert(model: type, rows: list[dict], keys: tuple[str, ...], add: tuple[str, ...],
            keep: tuple[str, ...] = ()) -> None:
    """INSERT rows, or add their ``add`` columns to the existing row (one statement, both databases)."""
    if not rows:
        return
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(model)
    table = model.__table__
    updates = {column: table.c[column] + stmt.excluded[column] for column in add}
    updates.update({column: stmt.excluded[column] for column in keep})
    db.session.execute(stmt.on_conflict_do_update(index_elements=list(keys), set_=updates), rows)


def tally_submission(attempt: Attempt, results: list[dict], seconds: float) -> None:
    """Add a just-submitted attempt to the running totals (in the caller's transaction, which
    should call this last: the rows are shared by every submission of the quiz version)."""
    scopes = ["all"] + (["first"] if attempt.number == 1 else [])
    total = float(attempt.score or 0)
    quiz_rows, ratio_rows, item_rows, answer_rows = [], [], [], []
    for scope in scopes:
        key = {"version_id": attempt.version_id, "scope": scope}
        quiz_rows.append({**key, "n": 1, "passed": int(bool(attempt.passed)), "sum_ratio": float(attempt.ratio or 0),
                          "sum_seconds": seconds, "sum_total": total, "sum_total2": total * total})
        ratio_rows.append({**key, "ratio": round(float(attempt.ratio or 0), 4), "n": 1})
        for r in results:
            x, rest = float(r["score"]), total - float(r["score"])
            item_rows.append({**key, "question_id": r["id"], "n": 1, "max_mark": float(r["max"]), "sum_x": x,
                              "sum_x2": x * x, "sum_r": rest, "sum_r2": rest * rest, "sum_xr": x * rest})
            answer_rows.append({**key, "question_id": r["id"], "response_key": r.get("key", "")[:200],
                                "right": bool(r["correct"]), "n": 1})
    # Rows in one fixed order (questions are shown shuffled): concurrent submissions of a quiz then
    # lock the shared tally rows in the same order and wait for each other instead of deadlocking.
    item_rows.sort(key=lambda row: (row["scope"], row["question_id"]))
    answer_rows.sort(key=lambda row: (row["scope"], row["question_id"], row["response_key"]))
    _upsert(QuizTally, quiz_rows, ("version_id", "scope"),
            ("n", "passed", "sum_ratio", "sum_seconds", "sum_total", "sum_total2"))
    _upsert(RatioTally, ratio_rows, ("version_id", "scope", "ratio"), ("n",))
    _upsert(ItemTally, item_rows, ("version_id", "scope", "question_id"),
            ("n", "sum_x", "sum_x2", "sum_r", "sum_r2", "sum_xr"), keep=("max_mark",))
    _upsert(AnswerTally, answer_rows, ("version_id", "scope", "question_id", "response_key"), ("n",), keep=("right",))


def rebuild_tallies() -> int:
    """Recompute every running total from ``attempts`` and ``attempt_answers`` with SQL
    aggregations (after a restore, or for data loaded in bulk). Returns the attempts counted."""
    for model in (QuizTally, RatioTally, ItemTally, AnswerTally):
        db.session.execute(sa.delete(model))
    submitted = Attempt.submitted_at.is_not(None)
    seconds = _duration_seconds()
    for scope, extra in (("all", []), ("first", [Attempt.number == 1])):
        where = [submitted, *extra]
        label = sa.literal(scope)
        db.session.execute(sa.insert(QuizTally).from_select(
            ["version_id", "scope", "n", "passed", "sum_ratio", "sum_seconds", "sum_total", "sum_total2"],
            sa.select(Attempt.version_id, label, sa.func.count(), sa.func.sum(sa.case((Attempt.passed, 1), else_=0)),
                      sa.func.sum(Attempt.ratio), sa.func.coalesce(sa.func.sum(seconds), 0.0),
                      sa.func.sum(Attempt.score), sa.func.sum(Attempt.score * Attempt.score))
            .where(*where).group_by(Attempt.version_id)))
        rounded = sa.func.round(sa.cast(Attempt.ratio, sa.Numeric(12, 6)), 4)
        db.session.execute(sa.insert(RatioTally).from_select(
            ["version_id", "scope", "ratio", "n"],
            sa.select(Attempt.version_id, label, rounded, sa.func.count()).where(*where)
            .group_by(Attempt.version_id, rounded)))
        rest = Attempt.score - AttemptAnswer.score
        db.session.execute(sa.insert(ItemTally).from_select(
            ["version_id", "scope", "question_id", "n", "max_mark", "sum_x", "sum_x2", "sum_r", "sum_r2", "sum_xr"],
            sa.select(AttemptAnswer.version_id, label, AttemptAnswer.question_id, sa.func.count(),
                      sa.func.max(AttemptAnswer.max_score), sa.func.sum(AttemptAnswer.score),
                      sa.func.sum(AttemptAnswer.score * AttemptAnswer.score), sa.func.sum(rest),
                      sa.func.sum(rest * rest), sa.func.sum(AttemptAnswer.score * rest))
            .join(Attempt, Attempt.id == AttemptAnswer.attempt_id).where(*where)
            .group_by(AttemptAnswer.version_id, AttemptAnswer.question_id)))
        db.session.execute(sa.insert(AnswerTally).from_select(
            ["version_id", "scope", "question_id", "response_key", "right", "n"],
            sa.select(AttemptAnswer.version_id, label, AttemptAnswer.question_id, AttemptAnswer.response_key,
                      sa.func.max(sa.case((AttemptAnswer.score >= AttemptAnswer.max_score, 1), else_=0)) == 1,
                      sa.func.count())
            .join(Attempt, Attempt.id == AttemptAnswer.attempt_id).where(*where)
            .group_by(AttemptAnswer.version_id, AttemptAnswer.question_id, AttemptAnswer.response_key)))
    db.session.commit()
    return db.session.scalar(sa.select(sa.func.count()).select_from(Attempt).where(submitted)) or 0


def quiz_report(quiz: QuizRecord, version: QuizVersion | None = None, first_only: bool = True,
                lang: str = "fr") -> QuizReport:
    """Read the running totals of the quiz (one version, or all) and compute the statistics."""
    scope = "first" if first_only else "all"
    if version is not None:
        version_ids = [version.id]
    else:
        version_ids = list(db.session.scalars(sa.select(QuizVersion.id).where(QuizVersion.quiz_id == quiz.id)))
    in_scope = (QuizTally.version_id.in_(version_ids), QuizTally.scope == scope)
    attempts, passed_count, sum_ratio, sum_seconds, sum_t, sum_t2 = db.session.execute(sa.select(
        sa.func.coalesce(sa.func.sum(QuizTally.n), 0), sa.func.sum(QuizTally.passed), sa.func.sum(QuizTally.sum_ratio),
        sa.func.sum(QuizTally.sum_seconds), sa.func.sum(QuizTally.sum_total), sa.func.sum(QuizTally.sum_total2),
    ).where(*in_scope)).one()
    students = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(QuizTally.n), 0)).where(
        QuizTally.version_id.in_(version_ids), QuizTally.scope == "first"))
    ratio_counts: dict[float, int] = {}
    buckets: dict[int, int] = {}
    for ratio, count in db.session.execute(
            sa.select(RatioTally.ratio, sa.func.sum(RatioTally.n))
            .where(RatioTally.version_id.in_(version_ids), RatioTally.scope == scope).group_by(RatioTally.ratio)):
        ratio_counts[float(ratio)] = int(count)
        bucket = min(int(float(ratio) * 10 + 1e-9), 9)
        buckets[bucket] = buckets.get(bucket, 0) + int(count)
    item_rows = db.session.execute(
        sa.select(ItemTally.question_id, sa.func.sum(ItemTally.n), sa.func.max(ItemTally.max_mark),
                  sa.func.sum(ItemTally.sum_x), sa.func.sum(ItemTally.sum_x2), sa.func.sum(ItemTally.sum_r),
                  sa.func.sum(ItemTally.sum_r2), sa.func.sum(ItemTally.sum_xr))
        .where(ItemTally.version_id.in_(version_ids), ItemTally.scope == scope)
        .group_by(ItemTally.question_id)).all()
    answer_rows = db.session.execute(
        sa.select(AnswerTally.question_id, AnswerTally.response_key, sa.func.sum(AnswerTally.n),
                  sa.func.max(sa.case((AnswerTally.right, 1), else_=0)))
        .where(AnswerTally.version_id.in_(version_ids), AnswerTally.scope == scope)
        .group_by(AnswerTally.question_id, AnswerTally.response_key)).all()
    attempts = int(attempts or 0)
    pass_rate = (passed_count or 0) / attempts if attempts else None
    mean_ratio = (sum_ratio or 0) / attempts if attempts else None
    mean_seconds = (sum_seconds or 0) / attempts if attempts else None
    shown_version = version or quiz.current_version
    content = quiz_content(shown_version, lang) if shown_version is not None else None
    keys: dict[str, list[tuple[str, int, bool]]] = {}
    for question_id, key, count, right in answer_rows:
        keys.setdefault(question_id, []).append((key or "", count, bool(right)))

    order = {q.id: i for i, q in enumerate(content.questions)} if content else {}
    reports = []
    item_variances = []
    for question_id, n, max_mark, sx, sx2, sr, sr2, sxr in sorted(item_rows, key=lambda r: order.get(r[0], 1e9)):
        sums = Sums(n, float(max_mark or 0), float(sx or 0), float(sx2 or 0), float(sr or 0), float(sr2 or 0),
                    float(sxr or 0))
        stats = item_stats(question_id, sums)
        var = variance(sums.sum_x, sums.sum_x2, n)
        if var is not None and n == attempts:
            item_variances.append(var)
        question = content.question(question_id) if content else None
        report = QuestionReport(stats, question)
        answers = keys.get(question_id, [])
        if question is not None and question.type in ("single", "multi"):
            counts = option_counts((k, c) for k, c, _ in answers)
            report.option_shares = [(i, counts.get(i, 0) / n if n else 0.0) for i in range(len(question.options))]
            report.unpicked = unpicked_options(len(question.options), counts)
            if report.unpicked and n:
                stats.flags.append("option-never-chosen")
        else:
            wrong = sorted((a for a in answers if not a[2] and a[0]), key=lambda a: -a[1])[:5]
            report.frequent_answers = wrong
        reports.append(report)

    alpha, note = None, None
    if len(item_variances) == len(item_rows) and attempts:
        alpha = cronbach_alpha(item_variances, variance(float(sum_t or 0), float(sum_t2 or 0), attempts))
    elif item_rows:
        note = "draw"  # questions are drawn: not every attempt answered every question
    return QuizReport(
        quiz=quiz, version=version, content=content, first_only=first_only, attempts=attempts, students=students,
        pass_rate=pass_rate, mean_ratio=mean_ratio, mean_seconds=mean_seconds,
        median_ratio=median_from_histogram(ratio_counts), distribution=histogram(buckets),
        alpha=alpha, alpha_note=note, questions=reports,
    )
