"""A coordinator (scoped to two faculties with `flask users set-scope`) imports a roster (upload,
dry run, confirm), some of the invited students accept their e-mailed invitation and work, then
the coordinator reads the dashboard, filters it, and downloads the CSV and XLSX exports, which
the test opens (csv, openpyxl) and checks against what the students did."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from tests.e2e.conftest import COORDINATOR_FACULTIES, PASSWORD, STAFF
from tests.e2e.helpers import (REPO_ROOT, apply_plan, audit_both_languages, core_module_ids, login, module_title,
                               plan_answers, set_language, start_quiz, submit_quiz)

SCIENCES, LAW = COORDINATOR_FACULTIES
HEADER = "Numéro étudiant;Courriel;Nom;Prénom;Composante;Diplôme;Année;Groupe"
STUDENTS = [  # (number, e-mail, last name, first name, faculty, programme, year, group)
    ("E2E0001", "ana.roux.e2e@etu.univ-amu.fr", "Roux", "Ana", SCIENCES, "L1 Informatique", "1", "A"),
    ("E2E0002", "yanis.blanc.e2e@etu.univ-amu.fr", "Blanc", "Yanis", SCIENCES, "L1 Informatique", "1", "B"),
    ("E2E0003", "chloe.noir.e2e@etu.univ-amu.fr", "Noir", "Chloé", SCIENCES, "L2 Mathématiques", "2", "A"),
    ("E2E0004", "hugo.vert.e2e@etu.univ-amu.fr", "Vert", "Hugo", LAW, "L1 Droit", "1", "TD1"),
    ("E2E0005", "ines.gris.e2e@etu.univ-amu.fr", "Gris", "Inès", LAW, "L1 Droit", "1", "TD2"),
]
REJECTED = [
    ("E2E0006", "", "Sans", "Courriel", SCIENCES, "L1 Informatique", "1", "A"),  # no e-mail
    ("E2E0007", "medecine.e2e@etu.univ-amu.fr", "Hors", "Champ", "Faculté de médecine", "PASS", "1", "A"),  # out of scope
]
WHY, PASSWORDS = core_module_ids()[:2]
#: What each invited student does: the modules they pass, and the one they only open.
WORK = {
    "ana.roux.e2e@etu.univ-amu.fr": {"passed": [WHY, PASSWORDS], "opened": []},
    "yanis.blanc.e2e@etu.univ-amu.fr": {"passed": [], "opened": [WHY]},
    "hugo.vert.e2e@etu.univ-amu.fr": {"passed": [WHY], "opened": []},
}


def translate(msgid: str, lang: str) -> str:
    """``msgid`` through the application's compiled catalogue (what the export should print)."""
    from babel.support import Translations

    return Translations.load(str(REPO_ROOT / "cyberaware" / "translations"), [lang]).gettext(msgid)


def roster_csv() -> bytes:
    lines = [HEADER] + [";".join(row) for row in STUDENTS + REJECTED]
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")  # as Excel in French saves it


def student_works(new_context: Any, mailbox: Any, address: str, work: dict[str, list[str]]) -> None:
    """Accept the e-mailed invitation, choose a password, log in, and do ``work``."""
    page = new_context().new_page()
    invitation = mailbox.wait_for(address)
    page.goto(invitation.link("/reset-password/"))
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    page.locator("main form #submit").click()
    page.wait_for_url("**/login")
    login(page, address, PASSWORD)
    for module in work["opened"]:
        page.goto(f"/learn/modules/{module}")
    for module in work["passed"]:
        start_quiz(page, module)
        apply_plan(page, plan_answers(page))
        submit_quiz(page)
        assert page.locator(".result-pass").count() == 1
    page.context.close()


def expected_statuses(module: str, emails: list[str]) -> dict[str, int]:
    counts = {"not_started": 0, "in_progress": 0, "completed": 0}
    for address in emails:
        work = WORK.get(address, {"passed": [], "opened": []})
        key = "completed" if module in work["passed"] else "in_progress" if module in work["opened"] else "not_started"
        counts[key] += 1
    return counts


def module_row(page: Any, module: str, lang: str) -> list[str]:
    row = page.locator("#modules-heading ~ .table-wrap tbody tr", has=page.locator(
        "th", has_text=module_title(module, lang)))
    return [c.strip() for c in row.first.locator("td").all_inner_texts()]


def key_figure(page: Any, index: int) -> str:
    return page.locator(".key-figures dd").nth(index).inner_text().strip()


def check_dashboard(page: Any, emails: list[str], lang: str) -> None:
    assert key_figure(page, 0) == str(len(emails))  # students
    assert key_figure(page, 1) == "0"  # nobody finished the core curriculum
    for module in (WHY, PASSWORDS, core_module_ids()[2]):
        counts = expected_statuses(module, emails)
        cells = module_row(page, module, lang)
        assert cells[:3] == [str(counts["not_started"]), str(counts["in_progress"]), str(counts["completed"])], (
            module, cells, counts)


def download(page: Any, selector: str, tmp_path: Path) -> Path:
    with page.expect_download() as info:
        page.locator(selector).first.click()
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    return target


def check_student_rows(rows: list[list[Any]], emails: list[str], completed_label: str, in_progress_label: str,
                       not_started_label: str, lang: str) -> None:
    header, body = rows[0], rows[1:]
    assert len(body) == len(emails), body
    assert sorted(r[2] for r in body) == sorted(emails)
    status_column = next(i for i, h in enumerate(header) if str(h).startswith(module_title(WHY, lang) + " — "))
    core = len(core_module_ids())
    for row in body:
        work = WORK.get(row[2], {"passed": [], "opened": []})
        passed_core = [m for m in work["passed"] if m in core_module_ids()]
        assert float(str(row[8]).replace(",", ".")) == round(100 * len(passed_core) / core, 1), row
        assert int(row[9]) == len(work["passed"]), row
        wanted = (completed_label if WHY in work["passed"] else in_progress_label if WHY in work["opened"]
                  else not_started_label)
        assert row[status_column] == wanted, (row[2], row[status_column], wanted)


def test_coordinator_roster_dashboard_exports(new_context: Any, mailbox: Any, axe: Any, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    page = new_context().new_page()
    login(page, STAFF["coordinator"], PASSWORD)
    page.goto("/coordinator/roster")
    audit_both_languages(page, axe, "roster import form",
                         {"fr": ("Importer une liste d'étudiant·es",), "en": ("Import a roster",)})

    # Upload: the dry run lists what would change; nothing is saved yet.
    roster = tmp_path / "liste-l1.csv"
    roster.write_bytes(roster_csv())
    page.set_input_files("#roster", str(roster))
    page.locator("form #submit").click()
    page.wait_for_load_state()
    assert page.locator("#count-created").inner_text() == str(len(STUDENTS))
    assert page.locator("#count-updated").inner_text() == "0"
    assert page.locator("#count-rejected").inner_text() == str(len(REJECTED))
    rejected_lines = page.locator(".roster-rejected tbody th").all_inner_texts()
    assert rejected_lines == [str(2 + len(STUDENTS) + i) for i in range(len(REJECTED))]  # line 1: header
    assert page.locator(".roster-created tbody tr").count() == len(STUDENTS)
    axe.check(page, "roster dry run [fr]")
    assert all(not mailbox.for_address(s[1]) for s in STUDENTS)

    # Confirm, skipping the invalid lines: the students are created and invited by e-mail.
    page.locator(".roster-confirm input[type=checkbox]").check()
    page.locator(".roster-confirm [type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".flash-success").count() == 1
    flash = page.locator(".flash-success").inner_text()
    assert f"{len(STUDENTS)} " in flash and f"{len(REJECTED)} " in flash, flash
    axe.check(page, "roster imported [fr]")
    for number, address, *_ in STUDENTS:
        assert mailbox.wait_for(address).link("/reset-password/")

    for address, work in WORK.items():
        student_works(new_context, mailbox, address, work)

    # The dashboard: the scoped coordinator sees exactly the imported students.
    everyone = [s[1] for s in STUDENTS]
    sciences = [s[1] for s in STUDENTS if s[4] == SCIENCES]
    page.goto("/coordinator/dashboard")
    check_dashboard(page, everyone, "fr")
    audit_both_languages(page, axe, "coordinator dashboard",
                         {"fr": ("Tableau de bord de l'achèvement",), "en": ("Completion dashboard",)})

    page.select_option("#faculty", SCIENCES)
    page.locator(".report-filters button[type=submit]").click()
    page.wait_for_load_state()
    assert "faculty=" in page.url
    check_dashboard(page, sciences, "fr")
    faculty_rows = page.locator("#faculty-heading ~ .table-wrap tbody tr th").all_inner_texts()
    assert faculty_rows == [SCIENCES]
    audit_both_languages(page, axe, "coordinator dashboard filtered")

    # CSV (semicolon, UTF-8 with BOM) in French, with the filter.
    path = download(page, ".export-links a[href*='students.csv']:not([href*='sep=comma'])", tmp_path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    check_student_rows(rows, sciences, *(translate(label, "fr") for label in ("completed", "in progress", "not started")),
                       "fr")

    # XLSX in English, same filter (the switch keeps the filtered address).
    set_language(page, "en")
    assert "faculty=" in page.url
    check_dashboard(page, sciences, "en")
    path = download(page, ".export-links a[href*='students.xlsx']", tmp_path)
    sheet = load_workbook(path, read_only=True).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][2] == "E-mail"
    check_student_rows(rows, sciences, "completed", "in progress", "not started", "en")

    path = download(page, ".export-links a[href*='aggregate.xlsx']", tmp_path)
    rows = [list(r) for r in load_workbook(path, read_only=True).active.iter_rows(values_only=True)]
    header, total = rows[0], rows[-1]
    assert total[0] == "All" and total[4] == len(sciences)
    why = header.index(f"{module_title(WHY, 'en')} — completed (%)")
    done = expected_statuses(WHY, sciences)["completed"]
    assert total[why] == round(100 * done / len(sciences), 1)
    per_group = {tuple(r[:4]): r[4] for r in rows[1:-1]}
    assert sum(per_group.values()) == len(sciences)
    assert per_group[(SCIENCES, "L1 Informatique", "1", "A")] == 1
