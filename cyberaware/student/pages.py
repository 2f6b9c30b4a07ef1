"""Database reads of the student pages that load less than the ORM relationships would."""

from __future__ import annotations

import sqlalchemy as sa

from cyberaware.extensions import db
from cyberaware.models import ModuleRecord, ModuleTranslation


def module_text(record: ModuleRecord, lang: str) -> ModuleTranslation:
    """The module's translation in ``lang`` (French, else any, when missing) with its rendered body.

    One query; the lists of modules load only the titles (see
    :func:`cyberaware.services.curriculum.published_modules`), so this fills in the rest.
    """
    rows = {row.lang: row for row in db.session.scalars(
        sa.select(ModuleTranslation).where(ModuleTranslation.module_id == record.id)
        .order_by(ModuleTranslation.lang))}
    text = rows.get(lang) or rows.get("fr") or next(iter(rows.values()), None)
    return text if text is not None else record.translation(lang)
