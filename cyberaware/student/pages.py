"""Database reads of the student pages that load less than the ORM relationships would."""

from __future__ import annotations

import sqlalchemy as sa

from cyberaware.extensions import db
from cyberaware.models import ModuleRecord, ModuleTranslation
from cyberaware.services.curriculum import PublishedModule

_TRANSLATION = sa.select(ModuleTranslation).where(ModuleTranslation.module_id == sa.bindparam("module_id"),
                                                  ModuleTranslation.lang == sa.bindparam("lang"))
_TRANSLATIONS = (sa.select(ModuleTranslation).where(ModuleTranslation.module_id == sa.bindparam("module_id"))
                 .order_by(ModuleTranslation.lang))


def module_text(record: ModuleRecord | PublishedModule, lang: str) -> ModuleTranslation:
    """The module's translation in ``lang`` (French, else any, when missing) with its rendered body.

    One query, of that one translation: the lists of modules hold only the titles (see
    :func:`cyberaware.services.curriculum.published_modules`), which tell which languages exist.
    """
    shown = record.translation(lang).lang
    text = db.session.scalar(_TRANSLATION, {"module_id": record.id, "lang": shown})
    if text is not None:
        return text
    # Content synced since the titles were read: choose again among the rows there are now.
    rows = {row.lang: row for row in db.session.scalars(_TRANSLATIONS, {"module_id": record.id})}
    text = rows.get(lang) or rows.get("fr") or next(iter(rows.values()), None)
    return text if text is not None else record.translation(lang)  # type: ignore[return-value]
