"""The streaming XLSX writer, read back with openpyxl (as Excel and LibreOffice would read it)."""

from __future__ import annotations

import io
from datetime import date, datetime

from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from cyberaware.xlsx import ILLEGAL_XML, column_letters, iter_xlsx, sheet_name


def read(rows, title="Export"):
    data = b"".join(iter_xlsx(rows, title))
    return load_workbook(io.BytesIO(data))


def test_values_keep_their_types_and_the_header_is_bold_and_frozen():
    rows = [["Nom", "Score", "Date", "Heure", "Oui"],
            ["Zoë & <Léa> \"L'Hôpital\"", 87.5, date(2025, 1, 6), datetime(2025, 1, 6, 14, 30), True],
            ["  spaces kept  ", 3, None, None, False],
            ["", -2, date(1900, 3, 1), None, None]]
    workbook = read(rows, "students")
    sheet = workbook.active
    assert sheet.title == "students" and sheet.freeze_panes == "A2"
    assert sheet["A1"].value == "Nom" and sheet["A1"].font.bold and not sheet["A2"].font.bold
    assert sheet["A2"].value == "Zoë & <Léa> \"L'Hôpital\"" and sheet["B2"].value == 87.5
    assert sheet["C2"].value == datetime(2025, 1, 6) and sheet["C2"].is_date
    assert sheet["D2"].value == datetime(2025, 1, 6, 14, 30) and sheet["D2"].is_date
    assert sheet["E2"].value is True and sheet["E3"].value is False
    assert sheet["A3"].value == "  spaces kept  " and sheet["B3"].value == 3 and sheet["C3"].value is None
    assert sheet["A4"].value is None and sheet["C4"].value == datetime(1900, 3, 1)
    assert sheet.max_row == 4 and sheet.max_column == 5


def test_wide_rows_get_the_right_column_letters():
    assert [column_letters(i) for i in (0, 25, 26, 51, 52, 701, 702)] == ["A", "Z", "AA", "AZ", "BA", "ZZ", "AAA"]
    sheet = read([[f"h{i}" for i in range(60)], list(range(60))]).active
    assert sheet["BH1"].value == "h59" and sheet["BH2"].value == 59


def test_sheet_names_are_made_valid():
    assert sheet_name("a/b:c*d?[e]") == "a b c d  e" and len(sheet_name("x" * 40)) == 31 and sheet_name("") == "Sheet1"


def test_rows_stream_out_before_the_last_one_is_read():
    consumed = []

    def rows():
        for number in range(50_000):
            consumed.append(number)
            yield [f"student {number} with some text to compress", number, date(2025, 1, 1)]

    chunks = iter_xlsx(rows())
    first_two = [next(chunks), next(chunks)]
    assert all(first_two) and len(consumed) < 50_000  # bytes left before every row was read
    rest = b"".join(chunks)
    sheet = load_workbook(io.BytesIO(first_two[0] + first_two[1] + rest), read_only=True).active
    assert sum(1 for _ in sheet.iter_rows(values_only=True)) == 50_000


@given(st.lists(st.lists(st.one_of(st.text(max_size=40), st.integers(-10**12, 10**12),
                                   st.floats(allow_nan=False, allow_infinity=False, width=32), st.none()),
                         min_size=1, max_size=5), min_size=1, max_size=5))
def test_any_text_and_numbers_round_trip(rows):
    sheet = read(rows).active
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            got = sheet.cell(row=r, column=c).value
            if isinstance(value, str):
                cleaned = ILLEGAL_XML.sub("", value)
                assert got == (cleaned or None)
            elif value is None:
                assert got is None
            else:
                assert got == value
