"""Export rows and writers, without an app: neutralisation, CSV bytes, XLSX cells, row building."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from cyberaware import reports
from cyberaware.exports import BOM, iter_csv, neutralise, student_header, student_row, write_csv, write_xlsx
from cyberaware.reports import ReportFilters, ReportModule

MODULES = [ReportModule(1, "intro", "Intro", "core", 1, True), ReportModule(2, "read", "Read", "core", 2, False),
           ReportModule(3, "adv", "Adv", "advanced", 3, True)]


@pytest.mark.parametrize("value", ["=1+1", "+33 6 12", "-2", "@SUM(A1)", "\tx", "\rx", "=HYPERLINK(\"x\")"])
def test_dangerous_text_gets_a_leading_quote(value):
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["Dupont", "", "a=b", " =x", "L'Hôpital", 3, -2, 1.5, None, date(2025, 1, 1)])
def test_other_values_are_unchanged(value):
    assert neutralise(value) == value


def test_csv_has_bom_semicolons_crlf_decimal_comma_and_neutralised_cells():
    stream = io.BytesIO()
    write_csv([["Nom", "Score"], ["=cmd", 87.5], ["Zoë; \"quoted\"", 100.0], [None, date(2025, 3, 1)], [-3, 2]],
              stream)
    data = stream.getvalue()
    assert data.startswith(BOM.encode("utf-8"))
    text = data.decode("utf-8")[1:]
    assert text.split("\r\n")[:5] == ["Nom;Score", "'=cmd;87,5", '"Zoë; ""quoted""";100', ";2025-03-01", "-3;2"]


def test_csv_with_comma_uses_a_decimal_point():
    text = b"".join(iter_csv([["a", "b"], [1.5, "x,y"]], delimiter=",")).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text, newline=""))) == [["a", "b"], ["1.5", "x,y"]]


def test_csv_is_produced_in_chunks():
    rows = ([str(i)] for i in range(1200))
    chunks = list(iter_csv(rows))
    assert len(chunks) == 3 and b"".join(chunks).decode("utf-8-sig").count("\r\n") == 1200


def test_xlsx_keeps_numbers_and_dates_and_neutralises_formulas(tmp_path):
    path = tmp_path / "out.xlsx"
    write_xlsx([["Name", "Score", "Date"], ["=1+1", 87.5, date(2025, 1, 6)], ["bad\x01char", 3, None]], path)
    sheet = load_workbook(path).active
    assert sheet["A1"].font.bold
    assert sheet["A2"].value == "'=1+1" and sheet["A2"].data_type == "s"
    assert sheet["B2"].value == 87.5 and sheet["C2"].value == datetime(2025, 1, 6) and sheet["C2"].is_date
    assert sheet["A3"].value == "badchar"


def test_student_row_counts_core_share_and_modules_done():
    progress = {1: (datetime(2025, 1, 1), datetime(2025, 1, 2, 9), 0.875), 3: (datetime(2025, 1, 3), None, 0.5)}
    identity = ("Dupont", "Ana", "a@x.fr", "1", "F", "P", "L1", "G1")
    row = student_row(identity, progress, MODULES, ReportFilters(), "qualified")
    assert row == [*identity, 50.0, 1, "completed", 87.5, date(2025, 1, 2), "not started", None, None,
                   "in progress", 50.0, None, "qualified"]
    assert len(row) == len(student_header(MODULES))


def test_student_row_statuses_follow_the_date_range():
    filters = ReportFilters(date_from=date(2025, 1, 5), date_to=date(2025, 1, 10))
    progress = {1: (datetime(2025, 1, 1), datetime(2025, 1, 2), 1.0),          # before the range
                2: (datetime(2025, 1, 9), datetime(2025, 1, 10, 23), None),    # within (to is inclusive)
                3: (datetime(2025, 1, 11), None, None)}                         # after: not started yet
    row = student_row(("",) * 8, progress, MODULES, filters, None, translate=str.upper)
    assert row[8:10] == [100.0, 2]
    assert row[10] == "COMPLETED BEFORE THE PERIOD" and row[13] == "COMPLETED" and row[16] == "NOT STARTED"


def test_module_status_boundaries():
    f = ReportFilters(date_from=date(2025, 1, 5), date_to=date(2025, 1, 5))
    assert reports.module_status(datetime(2025, 1, 5), datetime(2025, 1, 5, 23, 59), f) == reports.COMPLETED
    assert reports.module_status(datetime(2025, 1, 5), datetime(2025, 1, 6), f) == reports.IN_PROGRESS
    assert reports.module_status(datetime(2025, 1, 6), None, f) == reports.NOT_STARTED
    assert reports.module_status(None, None, ReportFilters()) == reports.NOT_STARTED


def test_time_buckets_fold_days_into_weeks_with_zeros():
    per_day = {date(2025, 1, 1): 2, date(2025, 1, 5): 1, date(2025, 2, 20): 3}
    bucket, points = reports.time_buckets(per_day, None, None)
    assert bucket == "week" and points[0].start == date(2024, 12, 30) and points[0].completions == 3
    assert points[-1].start == date(2025, 2, 17) and points[-1].completions == 3 and len(points) == 8
    bucket, points = reports.time_buckets(per_day, date(2025, 1, 1), date(2025, 1, 10))
    assert bucket == "day" and len(points) == 10 and points[4].completions == 1
    bucket, points = reports.time_buckets({}, date(2020, 1, 1), date(2025, 1, 1))
    assert bucket == "month" and len(points) == 61
    assert reports.time_buckets({}, None, None) == ("day", [])


def test_filters_round_trip_as_query_args():
    filters = ReportFilters(faculties=("A", "B"), groups=("G",), date_from=date(2025, 1, 1))
    assert filters.query_args() == [("faculty", "A"), ("faculty", "B"), ("group", "G"), ("from", "2025-01-01")]
    assert filters.describe() == {"faculties": ["A", "B"], "groups": ["G"], "date_from": "2025-01-01"}
    assert filters.end is None and filters.start == datetime(2025, 1, 1)


def test_neutralise_never_leaves_a_formula_and_keeps_the_text():
    from hypothesis import given
    from hypothesis import strategies as st

    from cyberaware.exports import neutralise

    @given(st.text())
    def check(text):
        result = neutralise(text)
        assert isinstance(result, str)
        assert not result or result[0] not in "=+-@\t\r"
        assert result.removeprefix("'") == text or result == text

    check()
