"""Every label the exports translate at run time is in the French catalogue (they are marked with
``N_`` so that pybabel extracts them)."""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po

from cyberaware import exports
from cyberaware.reports import ReportFilters, ReportModule

CATALOGUE = Path(__file__).resolve().parents[2] / "cyberaware" / "translations" / "fr" / "LC_MESSAGES" / "messages.po"


def french() -> dict[str, str]:
    with CATALOGUE.open("rb") as handle:
        return {message.id: message.string for message in read_po(handle) if isinstance(message.id, str)}


def test_every_export_label_has_a_french_translation():
    asked: list[str] = []

    def translate(text: str) -> str:
        asked.append(text)
        return text

    module = ReportModule(id=1, slug="m", title="Module", level="core", position=1, has_quiz=True)
    exports.student_header([module], translate)
    exports.StudentRowBuilder([module], ReportFilters(), translate)
    asked += list(exports.EXPERT_STATUS_LABELS) + list(exports.MODULE_COLUMN_LABELS) + list(exports.AGGREGATE_COLUMNS)
    catalogue = french()
    untranslated = sorted({text for text in asked if not catalogue.get(text)})
    assert untranslated == []
    assert len(set(asked)) > 20


def test_expert_statuses_are_all_listed():
    from cyberaware.services.expert import status_label

    produced = {status_label(q, review, consent) for q in (True, False)
                for review in ("pending", "confirmed", "dismissed") for consent in ("", "given", "declined", "withdrawn")}
    assert produced - {""} == set(exports.EXPERT_STATUS_LABELS)


def test_the_french_catalogue_compiles_without_errors():
    """`make` compiles the catalogue; a placeholder mismatch would stop `make run` and `make test`."""
    from babel.messages.mofile import write_mo

    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    problems = [(message.id, [str(error) for error in errors]) for message, errors in catalogue.check()]
    assert problems == []
    write_mo(__import__("io").BytesIO(), catalogue)
