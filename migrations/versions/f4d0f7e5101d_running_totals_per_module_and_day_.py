"""running totals per module and day, roster index

Revision ID: f4d0f7e5101d
Revises: 7269250e2dcc
Create Date: 2026-11-30 21:26:12.025083

"""
from alembic import op
import sqlalchemy as sa

# The triggers that keep module_day_totals up to date (frozen copy of cyberaware/models/totals.py
# at this revision, so later changes to the models do not change what this revision did).
TRIGGERS = {
    "sqlite": (
    'CREATE TRIGGER IF NOT EXISTS module_progress_totals_insert AFTER INSERT ON module_progress\n    BEGIN \n    INSERT INTO module_day_totals (module_id, day, started, completed, scored, best_sum, anomalies)\n    SELECT NEW.module_id, date(NEW.started_at), 1, 0, 1 * (NEW.best_ratio IS NOT NULL),\n           1 * coalesce(NEW.best_ratio, 0.0), 1 * coalesce(NEW.completed_at < NEW.started_at, 0)\n    WHERE true\n    ON CONFLICT (module_id, day) DO UPDATE SET started = started + excluded.started,\n        scored = scored + excluded.scored, best_sum = best_sum + excluded.best_sum,\n        anomalies = anomalies + excluded.anomalies;\n    INSERT INTO module_day_totals (module_id, day, started, completed, scored, best_sum, anomalies)\n    SELECT NEW.module_id, date(NEW.completed_at), 0, 1, 0, 0.0, 0\n    WHERE NEW.completed_at IS NOT NULL\n    ON CONFLICT (module_id, day) DO UPDATE SET completed = completed + excluded.completed;\n    END',
    'CREATE TRIGGER IF NOT EXISTS module_progress_totals_delete AFTER DELETE ON module_progress\n    BEGIN \n    INSERT INTO module_day_totals (module_id, day, started, completed, scored, best_sum, anomalies)\n    SELECT OLD.module_id, date(OLD.started_at), -1, 0, -1 * (OLD.best_ratio IS NOT NULL),\n           -1 * coalesce(OLD.best_ratio, 0.0), -1 * coalesce(OLD.completed_at < OLD.started_at, 0)\n    WHERE true\n    ON CONFLICT (module_id, day) DO UPDATE SET started = started + excluded.started,\n        scored = scored + excluded.scored, best_sum = best_sum + excluded.best_sum,\n        anomalies = anomalies + excluded.anomalies;\n    INSERT INTO module_day_totals (module_id, day, started, completed, scored, best_sum, anomalies)\n    SELECT OLD.module_id, date(OLD.completed_at), 0, -1, 0, 0.0, 0\n    WHERE OLD.completed_at IS NOT NULL\n    ON CONFLICT (module_id, day) DO UPDATE SET completed = completed + excluded.completed;\n    END',
    'CREATE TRIGGER IF NOT EXISTS module_progress_totals_update\n    AFTER UPDATE OF module_id, started_at, completed_at, best_ratio ON module_progress WHEN OLD.module_id IS NOT NEW.module_id OR OLD.started_at IS NOT NEW.started_at OR OLD.completed_at IS NOT NEW.completed_at OR OLD.best_ratio IS NOT NEW.best_ratio\n    BEGIN \n    INSERT INTO module_day_totals (module_id, day, started, completed, scored, best_sum, anomalies)\n    SELECT OLD.module_id, date(OLD.started_at), -1, 0, -1 * (OLD.best_ratio IS NOT NULL),\n           -1 * coalesce(OLD.best_ratio, 0.0), -1 * coalesce(OLD.completed_at < OLD.started_at, 0)\n    WHERE true\n    ON CONFLICT (module_id, day) DO UPDATE SET started = started + excluded.started,\n        scored = scored + excluded.scored, best_sum = best_sum + excluded.best_sum,\n        anomalies = anomalies + excluded.anomalies;\n    INSERT INTO module_day_totals (module_id, day, started, completed, scored, best_sum, anomalies)\n    SELECT OLD.module_id, date(OLD.completed_at), 0, -1, 0, 0.0, 0\n    WHERE OLD.completed_at IS NOT NULL\n    ON CONFLICT (module_id, day) DO UPDATE SET completed = completed + excluded.completed; \n    INSERT INTO module_day_totals (module_id, day, started, completed, scored, best_sum, anomalies)\n    SELECT NEW.module_id, date(NEW.started_at), 1, 0, 1 * (NEW.best_ratio IS NOT NULL),\n           1 * coalesce(NEW.best_ratio, 0.0), 1 * coalesce(NEW.completed_at < NEW.started_at, 0)\n    WHERE true\n    ON CONFLICT (module_id, day) DO UPDATE SET started = started + excluded.started,\n        scored = scored + excluded.scored, best_sum = best_sum + excluded.best_sum,\n        anomalies = anomalies + excluded.anomalies;\n    INSERT INTO module_day_totals (module_id, day, started, completed, scored, best_sum, anomalies)\n    SELECT NEW.module_id, date(NEW.completed_at), 0, 1, 0, 0.0, 0\n    WHERE NEW.completed_at IS NOT NULL\n    ON CONFLICT (module_id, day) DO UPDATE SET completed = completed + excluded.completed;\n    END',
),
    "postgresql": (
    'CREATE OR REPLACE FUNCTION module_day_totals_book(p_module integer, p_started timestamp without time zone,\n        p_completed timestamp without time zone, p_best double precision, p_sign integer) RETURNS void AS $$\n    BEGIN\n        INSERT INTO module_day_totals AS t (module_id, day, started, completed, scored, best_sum, anomalies)\n        VALUES (p_module, p_started::date, p_sign, 0, p_sign * (p_best IS NOT NULL)::integer,\n                p_sign * coalesce(p_best, 0.0), p_sign * coalesce((p_completed < p_started)::integer, 0))\n        ON CONFLICT (module_id, day) DO UPDATE SET started = t.started + excluded.started,\n            scored = t.scored + excluded.scored, best_sum = t.best_sum + excluded.best_sum,\n            anomalies = t.anomalies + excluded.anomalies;\n        IF p_completed IS NOT NULL THEN\n            INSERT INTO module_day_totals AS t (module_id, day, started, completed, scored, best_sum, anomalies)\n            VALUES (p_module, p_completed::date, 0, p_sign, 0, 0.0, 0)\n            ON CONFLICT (module_id, day) DO UPDATE SET completed = t.completed + excluded.completed;\n        END IF;\n    END $$ LANGUAGE plpgsql',
    "CREATE OR REPLACE FUNCTION module_progress_totals() RETURNS trigger AS $$\n    BEGIN\n        IF TG_OP <> 'INSERT' THEN\n            PERFORM module_day_totals_book(OLD.module_id, OLD.started_at, OLD.completed_at, OLD.best_ratio, -1);\n        END IF;\n        IF TG_OP <> 'DELETE' THEN\n            PERFORM module_day_totals_book(NEW.module_id, NEW.started_at, NEW.completed_at, NEW.best_ratio, 1);\n        END IF;\n        RETURN NULL;\n    END $$ LANGUAGE plpgsql",
    'CREATE TRIGGER module_progress_totals_insert_delete AFTER INSERT OR DELETE ON module_progress\n    FOR EACH ROW EXECUTE FUNCTION module_progress_totals()',
    'CREATE TRIGGER module_progress_totals_update AFTER UPDATE OF module_id, started_at, completed_at, best_ratio ON module_progress\n    FOR EACH ROW WHEN (OLD.module_id IS DISTINCT FROM NEW.module_id OR OLD.started_at IS DISTINCT FROM NEW.started_at OR OLD.completed_at IS DISTINCT FROM NEW.completed_at OR OLD.best_ratio IS DISTINCT FROM NEW.best_ratio)\n    EXECUTE FUNCTION module_progress_totals()',
),
}
DROP_TRIGGERS = {
    "sqlite": (
    'DROP TRIGGER IF EXISTS module_progress_totals_insert',
    'DROP TRIGGER IF EXISTS module_progress_totals_delete',
    'DROP TRIGGER IF EXISTS module_progress_totals_update',
),
    "postgresql": (
    'DROP TRIGGER IF EXISTS module_progress_totals_insert_delete ON module_progress',
    'DROP TRIGGER IF EXISTS module_progress_totals_update ON module_progress',
    'DROP FUNCTION IF EXISTS module_progress_totals()',
    'DROP FUNCTION IF EXISTS module_day_totals_book(integer, timestamp without time zone, timestamp without time zone, double precision, integer)',
),
}
DAY = {"sqlite": "date({})", "postgresql": "CAST({} AS DATE)"}


# revision identifiers, used by Alembic.
revision = 'f4d0f7e5101d'
down_revision = '7269250e2dcc'
branch_labels = None
depends_on = None


def upgrade():
    # ### commands auto generated by Alembic - please adjust! ###
    op.create_table('module_day_totals',
    sa.Column('module_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('started', sa.Integer(), nullable=False),
    sa.Column('completed', sa.Integer(), nullable=False),
    sa.Column('scored', sa.Integer(), nullable=False),
    sa.Column('best_sum', sa.Double(), nullable=False),
    sa.Column('anomalies', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('module_id', 'day', name=op.f('pk_module_day_totals'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index('ix_users_roster', ['faculty', 'programme', 'year_of_study', 'group_name', 'role'], unique=False)

    # ### end Alembic commands ###
    dialect = op.get_bind().dialect.name
    for statement in TRIGGERS.get(dialect, ()):
        op.execute(statement)
    # Existing progress: the totals once (the triggers keep them up to date after).
    day = DAY.get(dialect, "CAST({} AS DATE)")
    op.execute(f"""
        INSERT INTO module_day_totals (module_id, day, started, completed, scored, best_sum, anomalies)
        SELECT module_id, day, SUM(started), SUM(completed), SUM(scored), SUM(best_sum), SUM(anomalies)
        FROM (
            SELECT module_id, {day.format('started_at')} AS day, 1 AS started, 0 AS completed,
                   CASE WHEN best_ratio IS NOT NULL THEN 1 ELSE 0 END AS scored,
                   COALESCE(best_ratio, 0.0) AS best_sum,
                   CASE WHEN completed_at < started_at THEN 1 ELSE 0 END AS anomalies
            FROM module_progress
            UNION ALL
            SELECT module_id, {day.format('completed_at')}, 0, 1, 0, 0.0, 0
            FROM module_progress WHERE completed_at IS NOT NULL
        ) AS booked
        GROUP BY module_id, day
    """)


def downgrade():
    for statement in DROP_TRIGGERS.get(op.get_bind().dialect.name, ()):
        op.execute(statement)
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index('ix_users_roster')

    op.drop_table('module_day_totals')
    # ### end Alembic commands ###
