"""A student's standing on the curriculum, as plain Python (no Flask, no database).

Used by the student dashboard, the module pages (prerequisite locks) and the attestation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

NOT_STARTED, IN_PROGRESS, COMPLETED = "not_started", "in_progress", "completed"


@dataclass(frozen=True)
class ModuleInfo:
    """What the rules need to know about a module."""

    slug: str
    level: str
    position: int
    prerequisites: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProgressInfo:
    """One student's row for one module (absent: not started)."""

    started_at: datetime | None = None
    completed_at: datetime | None = None
    best_ratio: float | None = None
    grade_ratio: float | None = None


@dataclass(frozen=True)
class ModuleStanding:
    """A module as the student sees it on their dashboard."""

    module: ModuleInfo
    status: str
    locked_by: tuple[str, ...]  # prerequisites not completed yet (empty: open)
    grade_ratio: float | None
    completed_at: datetime | None


def status_of(progress: ProgressInfo | None) -> str:
    """``not_started``, ``in_progress`` or ``completed``."""
    if progress is None:
        return NOT_STARTED
    return COMPLETED if progress.completed_at is not None else IN_PROGRESS


def standings(modules: list[ModuleInfo], progress: dict[str, ProgressInfo]) -> list[ModuleStanding]:
    """Every module in curriculum order (core first, then advanced) with status and locks."""
    completed = {slug for slug, row in progress.items() if row.completed_at is not None}
    ordered = sorted(modules, key=lambda m: (m.level != "core", m.position, m.slug))
    known = {m.slug for m in modules}
    result = []
    for module in ordered:
        row = progress.get(module.slug)
        missing = tuple(p for p in module.prerequisites if p in known and p not in completed)
        result.append(ModuleStanding(module, status_of(row), missing,
                                     row.grade_ratio if row else None, row.completed_at if row else None))
    return result


def by_level(items: list[ModuleStanding]) -> dict[str, list[ModuleStanding]]:
    """The standings of each level (``core`` and ``advanced`` always present), in order."""
    groups: dict[str, list[ModuleStanding]] = {"core": [], "advanced": []}
    for item in items:
        groups.setdefault(item.module.level, []).append(item)
    return groups


def completion_ratio(items: list[ModuleStanding], level: str | None = "core") -> float:
    """Share of completed modules (of ``level``; all levels when None); 0 when there are none."""
    pool = [s for s in items if level is None or s.module.level == level]
    return sum(s.status == COMPLETED for s in pool) / len(pool) if pool else 0.0


def next_recommended(items: list[ModuleStanding]) -> ModuleStanding | None:
    """The module to do next: an unlocked core module in progress, else the first unlocked
    not-started core module, else the same among advanced modules; None when all are done."""
    for level in ("core", "advanced"):
        open_items = [s for s in items if s.module.level == level and not s.locked_by and s.status != COMPLETED]
        for status in (IN_PROGRESS, NOT_STARTED):
            for item in open_items:
                if item.status == status:
                    return item
    return None


def core_complete(items: list[ModuleStanding]) -> bool:
    """True when every core module is completed (and there is at least one)."""
    core = [s for s in items if s.module.level == "core"]
    return bool(core) and all(s.status == COMPLETED for s in core)
