"""Parsing module files (``modules/<id>[.<lang>].md``) into :class:`Module` objects."""

from __future__ import annotations

from .common import ORIGINAL_LANG, Parsed, check_file_name
from .fields import Fields
from .model import LEVELS, Module, Problem
from .problems import Report, sort_problems
from .render import render_inline, render_markdown
from .source import content_hash, read_source

MODULE_KEYS = ("id", "title", "lang", "order", "duration", "level", "prerequisites", "tags", "sources")
REQUIRED_MODULE_KEYS = ("id", "title")


def parse_module(text: str, path: str) -> tuple[Module | None, list[Problem]]:
    """Parse one module file; return the module (None when unusable) and its problems."""
    parsed = parse_module_file(text, path)
    return parsed.item, parsed.problems  # type: ignore[return-value]


def parse_module_file(text: str, path: str) -> Parsed:
    """Parse one module file, keeping what cross-file checks need. Never raises."""
    report = Report(path)
    try:
        return _parse(text, path, report)
    except Exception as exc:  # noqa: BLE001 - last-resort guard: a bug must not hide the file
        report.error(1, "internal-error", f"the parser failed on this file ({type(exc).__name__}: {exc})",
                     "please report this with the file")
        return Parsed(path, "module", None, sort_problems(report.problems))


def _parse(text: str, path: str, report: Report) -> Parsed:
    source = read_source(text, path, report)
    if source is None or source.data is None:
        return Parsed(path, "module", None, sort_problems(report.problems))
    fields = Fields(source, report)
    fields.check_keys(MODULE_KEYS, REQUIRED_MODULE_KEYS)
    module = Module(
        id=fields.identifier("id"),
        title=fields.text("title"),
        lang=fields.lang(ORIGINAL_LANG),
        path=path,
        body_html=render_markdown("\n".join(source.body)),
        order=fields.integer("order", 0) or 0,
        duration_minutes=fields.minutes("duration"),
        level=fields.choice("level", LEVELS, "core"),  # type: ignore[arg-type]
        prerequisites=fields.id_list("prerequisites"),
        tags=fields.string_list("tags"),
        sources_html=[render_inline(source_text) for source_text in fields.string_list("sources")],
        content_hash=content_hash(text),
    )
    if module.id and module.id in module.prerequisites:
        report.error(fields.line("prerequisites"), "prerequisite-cycle",
                     f"module `{module.id}` lists itself as a prerequisite")
    if not module.sources_html:
        report.warning(fields.line("sources"), "no-sources", "module cites no sources",
                       "add `sources:` with e.g. `ANSSI, *Guide*, 2024 — <https://...>`")
    file_id, file_lang = check_file_name(path, module.id, module.lang, source.key_lines, report)
    item = module if module.id else None
    return Parsed(path, "module", item, sort_problems(report.problems), source.key_lines, file_id, file_lang)
