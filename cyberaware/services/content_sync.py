"""`flask content sync`: load the Markdown curriculum into the database, all or nothing."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from cyberaware.content import ContentSet, Module, Quiz, load_content, quiz_version_hash
from cyberaware.extensions import db
from cyberaware.models import ContentSync, ModuleRecord, ModuleTranslation, QuizRecord, QuizVersion, utcnow

ORIGINAL_LANG = "fr"


@dataclass
class SyncReport:
    """What a sync did (or would have done, when it failed on validation errors)."""

    content: ContentSet
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)
    new_quiz_versions: list[str] = field(default_factory=list)

    @property
    def succeeded(self) -> bool:
        """True when the content had no error and was written."""
        return self.content.ok()

    def summary(self) -> dict[str, object]:
        """Counts and names, stored with the sync record."""
        return {
            "errors": len(self.content.errors),
            "warnings": len(self.content.warnings),
            "created": self.created,
            "updated": self.updated,
            "unchanged": len(self.unchanged),
            "archived": self.archived,
            "new_quiz_versions": self.new_quiz_versions,
        }


def sync_content(root: Path | str) -> SyncReport:
    """Validate ``root`` and, only when it has no error, write it in one transaction.

    Idempotent: an unchanged tree changes nothing. A quiz gets a new version only when its
    files' hash changes; a module or quiz missing from the files is archived, never deleted.
    """
    report = SyncReport(content=load_content(root))
    if not report.succeeded:
        db.session.add(ContentSync(succeeded=False, summary=report.summary()))
        db.session.commit()
        return report
    try:
        modules = _sync_modules(report)
        _sync_quizzes(report, modules)
        if any(item.startswith("module ") for item in report.created + report.updated + report.archived):
            from cyberaware.services.summaries import rebuild_student_summaries

            rebuild_student_summaries()  # the set of published (core) modules may have changed
        db.session.add(ContentSync(succeeded=True, summary=report.summary()))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return report


def module_version_hash(translations: Iterable[Module]) -> str:
    """sha256 over the sorted ``(lang, content_hash)`` pairs of a module's translations."""
    combined = "".join(sorted(f"{m.lang}:{m.content_hash}\n" for m in translations))
    return hashlib.sha256(combined.encode()).hexdigest()


def _translations_by_id(items: dict[tuple[str, str], Module] | dict[tuple[str, str], Quiz]) -> dict[str, dict]:
    grouped: dict[str, dict] = {}
    for (item_id, lang), item in items.items():
        grouped.setdefault(item_id, {})[lang] = item
    return grouped


def _sync_modules(report: SyncReport) -> dict[str, ModuleRecord]:
    existing = {m.slug: m for m in db.session.scalars(sa.select(ModuleRecord))}
    grouped = _translations_by_id(report.content.modules)
    for slug, translations in grouped.items():
        original: Module = translations.get(ORIGINAL_LANG) or next(iter(translations.values()))
        combined = module_version_hash(translations.values())
        record = existing.get(slug)
        if record is None:
            record = ModuleRecord(slug=slug)
            db.session.add(record)
            existing[slug] = record
            report.created.append(f"module {slug}")
        elif record.content_hash == combined and record.archived_at is None and \
                record.position == original.order:
            report.unchanged.append(f"module {slug}")
            continue
        else:
            report.updated.append(f"module {slug}")
        record.position = original.order
        record.level = original.level
        record.duration_minutes = original.duration_minutes
        record.prerequisites = list(original.prerequisites)
        record.tags = list(original.tags)
        record.content_hash = combined
        record.archived_at = None
        record.updated_at = utcnow()
        by_lang = {t.lang: t for t in record.translations}
        for lang, module in translations.items():
            row = by_lang.get(lang) or ModuleTranslation(lang=lang)
            row.title, row.body_html = module.title, module.body_html
            row.sources_html, row.content_hash = list(module.sources_html), module.content_hash
            if lang not in by_lang:
                record.translations.append(row)
        for lang, row in by_lang.items():
            if lang not in translations:
                record.translations.remove(row)
    for slug, record in existing.items():
        if slug not in grouped and record.archived_at is None:
            record.archived_at = utcnow()
            report.archived.append(f"module {slug}")
    db.session.flush()
    return existing


def _sync_quizzes(report: SyncReport, modules: dict[str, ModuleRecord]) -> None:
    existing = {q.slug: q for q in db.session.scalars(sa.select(QuizRecord))}
    grouped = _translations_by_id(report.content.quizzes)
    for slug, translations in grouped.items():
        original: Quiz = translations.get(ORIGINAL_LANG) or next(iter(translations.values()))
        version_hash = quiz_version_hash(translations.values())
        record = existing.get(slug)
        module = modules[original.module]
        if record is None:
            record = QuizRecord(slug=slug, module_id=module.id)
            db.session.add(record)
            db.session.flush()
            report.created.append(f"quiz {slug}")
        version = db.session.scalar(
            sa.select(QuizVersion).where(QuizVersion.quiz_id == record.id, QuizVersion.content_hash == version_hash)
        )
        if version is None:
            version = QuizVersion(
                quiz_id=record.id, content_hash=version_hash, pass_ratio=original.pass_ratio,
                max_attempts=original.attempts, grading=original.grading,
                time_limit_seconds=original.time_limit_seconds, review=original.review,
                data={lang: quiz.to_dict() for lang, quiz in translations.items()},
            )
            db.session.add(version)
            db.session.flush()
            report.new_quiz_versions.append(slug)
        changed = (record.current_version_id != version.id or record.module_id != module.id
                   or record.archived_at is not None)
        if changed and f"quiz {slug}" not in report.created:
            report.updated.append(f"quiz {slug}")
        elif not changed:
            report.unchanged.append(f"quiz {slug}")
        record.current_version_id, record.module_id, record.archived_at = version.id, module.id, None
        if changed:
            record.updated_at = utcnow()
    for slug, record in existing.items():
        if slug not in grouped and record.archived_at is None:
            record.archived_at = utcnow()
            report.archived.append(f"quiz {slug}")


def last_sync() -> ContentSync | None:
    """The most recent sync run, or None."""
    return db.session.scalar(sa.select(ContentSync).order_by(ContentSync.id.desc()).limit(1))
