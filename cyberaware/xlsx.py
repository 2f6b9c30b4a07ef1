"""A streaming XLSX writer for exports of any size (no Flask).

openpyxl builds a workbook before the first byte can leave (even in write-only mode it needs a
seekable file), at about 1 ms a row for our exports: 80,000 students took over a minute, past the
worker timeout, with nothing sent. This writer yields the ZIP container as the rows come, so the
download starts at once and memory stays flat, at several times openpyxl's speed. It writes the
small subset of SpreadsheetML (ECMA-376) exports need: one sheet, inline strings, numbers, booleans,
dates and date-times with a number format, a bold and frozen header row.

The files open in Excel, LibreOffice and openpyxl (the test suite reads them back with openpyxl).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Any
from xml.sax.saxutils import escape

#: Characters XML 1.0 forbids (openpyxl refuses them too); they are dropped from text cells.
ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
EXCEL_EPOCH = datetime(1899, 12, 30)
MAX_ROWS = 1_048_576
MAX_COLUMNS = 16_384
#: Style indices of styles.xml below.
DATE_STYLE, DATETIME_STYLE, HEADER_STYLE = 1, 2, 3
_FLUSH_BYTES = 256 * 1024
#: Carriage returns as references: XML parsers turn a literal one into a line feed.
_ENTITIES = {"\r": "&#13;"}

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '</Types>'
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
    'Target="styles.xml"/></Relationships>'
)
STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    '</styleSheet>'
)
SHEET_START = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<sheetViews><sheetView workbookViewId="0">'
    '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
    '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
    '<sheetData>'
)
SHEET_END = '</sheetData></worksheet>'


def column_letters(index: int) -> str:
    """Spreadsheet column name of a 0-based index: 0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def sheet_name(title: str) -> str:
    """A valid worksheet name: at most 31 characters, none of ``[]:*?/\\``, never empty."""
    cleaned = re.sub(r"[\[\]:*?/\\]", " ", ILLEGAL_XML.sub("", title)).strip("'")[:31].strip()
    return cleaned or "Sheet1"


def _serial(value: date | datetime) -> float:
    if isinstance(value, datetime):
        delta = value.replace(tzinfo=None) - EXCEL_EPOCH
        return delta.days + delta.seconds / 86400 + delta.microseconds / 86_400_000_000
    return float((value - EXCEL_EPOCH.date()).days)


def _cell(reference: str, value: Any, header: bool) -> str:
    """One ``<c>`` element ('' for an empty cell)."""
    if value is None or value == "":
        return ""
    style = f' s="{HEADER_STYLE}"' if header else ""
    if isinstance(value, bool):
        return f'<c r="{reference}" t="b"{style}><v>{int(value)}</v></c>'
    if isinstance(value, (int, float)):
        if value != value or value in (float("inf"), float("-inf")):  # NaN and infinities: not numbers
            return ""
        return f'<c r="{reference}"{style}><v>{value!r}</v></c>'
    if isinstance(value, datetime):
        return f'<c r="{reference}" s="{DATETIME_STYLE}"><v>{_serial(value)!r}</v></c>'
    if isinstance(value, date):
        return f'<c r="{reference}" s="{DATE_STYLE}"><v>{int(_serial(value))}</v></c>'
    text = ILLEGAL_XML.sub("", str(value))
    if not text:
        return ""
    text = escape(text, _ENTITIES)
    return f'<c r="{reference}" t="inlineStr"{style}><is><t xml:space="preserve">{text}</t></is></c>'


class _Chunks:
    """A write-only, unseekable file object whose bytes are collected for the generator to yield."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.size = 0

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        """Nothing to flush: the generator takes the parts."""

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        self.size = 0
        return data


def iter_xlsx(rows: Iterable[list[Any]], sheet_title: str = "Export", compresslevel: int = 1) -> Iterator[bytes]:
    """The XLSX file of ``rows`` (the first one is the header, in bold and frozen), as chunks of
    bytes produced while ``rows`` is consumed. Text is written as it is given: neutralise formulas
    before (see :func:`cyberaware.exports.neutralise`). Raises ValueError past Excel's limits."""
    sink = _Chunks()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f'<sheets><sheet name="{escape(sheet_name(sheet_title), {chr(34): "&quot;"})}" sheetId="1" r:id="rId1"/>'
            '</sheets></workbook>'))
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/styles.xml", STYLES)
        yield sink.take()
        letters: list[str] = []
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(SHEET_START.encode())
            for number, row in enumerate(rows, start=1):
                if number > MAX_ROWS:
                    raise ValueError(f"more than {MAX_ROWS:,} rows: too many for one XLSX sheet")
                if len(row) > len(letters):
                    if len(row) > MAX_COLUMNS:
                        raise ValueError(f"more than {MAX_COLUMNS:,} columns: too many for one XLSX sheet")
                    letters = [column_letters(i) for i in range(len(row))]
                header = number == 1
                cells = "".join(_cell(f"{letters[i]}{number}", value, header) for i, value in enumerate(row))
                sheet.write(f'<row r="{number}">{cells}</row>'.encode())
                if sink.size >= _FLUSH_BYTES:
                    yield sink.take()
            sheet.write(SHEET_END.encode())
    yield sink.take()
