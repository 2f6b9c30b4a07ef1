"""Running totals of ``module_progress`` per module and calendar day, kept by database triggers.

The coordinators' dashboard reads a few hundred of these rows instead of grouping a million
progress rows (issue #9). Triggers (SQLite and PostgreSQL) rather than application code keep them
right whatever writes the progress rows: the attempt service, an account deletion (cascade), a
bulk load or a migration. :func:`cyberaware.services.summaries.rebuild_module_day_totals`
recomputes them from scratch.

They count every progress row, whoever owns it: the dashboard subtracts the (few) rows of
accounts that are not students, and uses the totals only for viewers who see every faculty with
no roster filter (the other views group the progress rows of their students in SQL).
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from cyberaware.extensions import db


class ModuleDayTotal(db.Model):
    """Progress rows of one module whose start (``started``) or completion (``completed``) falls on
    ``day`` (UTC). ``scored``/``best_sum``: rows with a best score and the sum of those scores,
    booked on the start day. ``anomalies``: rows completed before they were started (none are
    ever written by the app; when some exist the dashboard does not use these totals).

    No foreign key on ``module_id``: the totals are derived data, emptied and rebuilt freely.
    """

    __tablename__ = "module_day_totals"

    module_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    started: Mapped[int] = mapped_column(default=0)
    completed: Mapped[int] = mapped_column(default=0)
    scored: Mapped[int] = mapped_column(default=0)
    best_sum: Mapped[float] = mapped_column(default=0.0)
    anomalies: Mapped[int] = mapped_column(default=0)


# --- triggers ------------------------------------------------------------------------------------

_TRACKED = ("module_id", "started_at", "completed_at", "best_ratio")


def _sqlite_add(row: str, sign: str) -> str:
    """Two upserts booking progress row ``row`` (NEW or OLD) with ``sign`` (+1 or -1)."""
    return f"""
    INSERT INTO module_day_totals (module_id, day, started, completed, scored, best_sum, anomalies)
    SELECT {row}.module_id, date({row}.started_at), {sign}, 0, {sign} * ({row}.best_ratio IS NOT NULL),
           {sign} * coalesce({row}.best_ratio, 0.0), {sign} * coalesce({row}.completed_at < {row}.started_at, 0)
    WHERE true
    ON CONFLICT (module_id, day) DO UPDATE SET started = started + excluded.started,
        scored = scored + excluded.scored, best_sum = best_sum + excluded.best_sum,
        anomalies = anomalies + excluded.anomalies;
    INSERT INTO module_day_totals (module_id, day, started, completed, scored, best_sum, anomalies)
    SELECT {row}.module_id, date({row}.completed_at), 0, {sign}, 0, 0.0, 0
    WHERE {row}.completed_at IS NOT NULL
    ON CONFLICT (module_id, day) DO UPDATE SET completed = completed + excluded.completed;"""


def _sqlite_changed() -> str:
    return " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in _TRACKED)


SQLITE_TRIGGERS = (
    f"""CREATE TRIGGER IF NOT EXISTS module_progress_totals_insert AFTER INSERT ON module_progress
    BEGIN {_sqlite_add("NEW", "1")}
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS module_progress_totals_delete AFTER DELETE ON module_progress
    BEGIN {_sqlite_add("OLD", "-1")}
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS module_progress_totals_update
    AFTER UPDATE OF {", ".join(_TRACKED)} ON module_progress WHEN {_sqlite_changed()}
    BEGIN {_sqlite_add("OLD", "-1")} {_sqlite_add("NEW", "1")}
    END""",
)
SQLITE_DROP = tuple(f"DROP TRIGGER IF EXISTS module_progress_totals_{op}" for op in ("insert", "delete", "update"))

POSTGRESQL_TRIGGERS = (
    """CREATE OR REPLACE FUNCTION module_day_totals_book(p_module integer, p_started timestamp without time zone,
        p_completed timestamp without time zone, p_best double precision, p_sign integer) RETURNS void AS $$
    BEGIN
        INSERT INTO module_day_totals AS t (module_id, day, started, completed, scored, best_sum, anomalies)
        VALUES (p_module, p_started::date, p_sign, 0, p_sign * (p_best IS NOT NULL)::integer,
                p_sign * coalesce(p_best, 0.0), p_sign * coalesce((p_completed < p_started)::integer, 0))
        ON CONFLICT (module_id, day) DO UPDATE SET started = t.started + excluded.started,
            scored = t.scored + excluded.scored, best_sum = t.best_sum + excluded.best_sum,
            anomalies = t.anomalies + excluded.anomalies;
        IF p_completed IS NOT NULL THEN
            INSERT INTO module_day_totals AS t (module_id, day, started, completed, scored, best_sum, anomalies)
            VALUES (p_module, p_completed::date, 0, p_sign, 0, 0.0, 0)
            ON CONFLICT (module_id, day) DO UPDATE SET completed = t.completed + excluded.completed;
        END IF;
    END $$ LANGUAGE plpgsql""",
    """CREATE OR REPLACE FUNCTION module_progress_totals() RETURNS trigger AS $$
    BEGIN
        IF TG_OP <> 'INSERT' THEN
            PERFORM module_day_totals_book(OLD.module_id, OLD.started_at, OLD.completed_at, OLD.best_ratio, -1);
        END IF;
        IF TG_OP <> 'DELETE' THEN
            PERFORM module_day_totals_book(NEW.module_id, NEW.started_at, NEW.completed_at, NEW.best_ratio, 1);
        END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER module_progress_totals_insert_delete AFTER INSERT OR DELETE ON module_progress
    FOR EACH ROW EXECUTE FUNCTION module_progress_totals()""",
    f"""CREATE TRIGGER module_progress_totals_update AFTER UPDATE OF {", ".join(_TRACKED)} ON module_progress
    FOR EACH ROW WHEN ({" OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in _TRACKED)})
    EXECUTE FUNCTION module_progress_totals()""",
)
POSTGRESQL_DROP = (
    "DROP TRIGGER IF EXISTS module_progress_totals_insert_delete ON module_progress",
    "DROP TRIGGER IF EXISTS module_progress_totals_update ON module_progress",
    "DROP FUNCTION IF EXISTS module_progress_totals()",
    "DROP FUNCTION IF EXISTS module_day_totals_book(integer, timestamp without time zone, "
    "timestamp without time zone, double precision, integer)",
)


def trigger_statements(dialect: str) -> tuple[str, ...]:
    """The statements creating the triggers on ``module_progress`` for ``dialect``."""
    return {"sqlite": SQLITE_TRIGGERS, "postgresql": POSTGRESQL_TRIGGERS}.get(dialect, ())


def drop_trigger_statements(dialect: str) -> tuple[str, ...]:
    """The statements dropping them."""
    return {"sqlite": SQLITE_DROP, "postgresql": POSTGRESQL_DROP}.get(dialect, ())


def _create_triggers(target: sa.MetaData, connection: sa.Connection, **kw: object) -> None:
    """``metadata.create_all``: the triggers come with the tables (migrations create them too)."""
    created = {table.name for table in kw.get("tables") or ()}  # type: ignore[attr-defined]
    if {"module_progress", ModuleDayTotal.__tablename__} <= created:
        for statement in trigger_statements(connection.dialect.name):
            connection.exec_driver_sql(statement)


# On the metadata, not a table: both tables exist once create_all has created every table.
sa.event.listen(db.metadata, "after_create", _create_triggers)
