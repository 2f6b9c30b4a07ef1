"""Completion attestations: verification codes, data snapshot and PDF rendering.

Pure Python (no Flask, no database). The application decides *when* a student
may download an attestation, stores :meth:`AttestationData.to_dict` as the
snapshot of exactly what was printed, and serves ``/verify/<code>``; this
module provides the building blocks:

* :func:`new_verification_code` / :func:`normalize_code` -- unguessable codes
  that are easy to read aloud and type back (Crockford base32, 100 bits,
  ``XXXX-XXXX-XXXX-XXXX-XXXX``).
* :class:`AttestationData` / :class:`CompletedModule` -- what is printed, with a
  JSON-serialisable round trip (:meth:`~AttestationData.to_dict`,
  :meth:`~AttestationData.from_dict`).
* :func:`render_attestation_pdf` -- an A4 PDF (fpdf2), in French or English.
* :func:`format_date` / :func:`format_score` -- the exact date and score
  formats used in the PDF, so the verification page can show the same strings.

Date formats (fixed, locale independent):

* French: ``dd/mm/yyyy`` -- ``30/11/2026``;
* English: day, full month name, year -- ``30 November 2026`` (unambiguous for
  readers on both sides of the Atlantic, unlike ``11/30/2026`` vs ``30/11``).

Text is set in DejaVu Sans (``cyberaware/static/fonts``, licence next to it),
embedded as a subset, so French typography (``œ``, ``’``, ``·``, ``à``...) is
real, searchable, copyable text. Characters the font lacks are replaced
(compatibility decomposition when it helps, else ``?``); control and
formatting characters -- including bidi overrides that could make a name
*display* differently from what it is -- are removed. Rendering never raises
because of the content of a name or a module title.
"""

from __future__ import annotations

import io
import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

__all__ = [
    "CODE_ALPHABET",
    "CODE_BITS",
    "CODE_GROUP",
    "CODE_LENGTH",
    "LANGUAGES",
    "AttestationData",
    "CompletedModule",
    "format_date",
    "format_score",
    "new_verification_code",
    "normalize_code",
    "render_attestation_pdf",
    "suggested_filename",
]

# --------------------------------------------------------------------------
# Verification codes
# --------------------------------------------------------------------------

#: Crockford base32: digits and upper-case letters without I, L, O, U.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
#: Number of significant symbols in a code (5 bits each).
CODE_LENGTH = 20
#: Entropy of a code, in bits (``CODE_LENGTH * 5``).
CODE_BITS = CODE_LENGTH * 5
#: Symbols per dash-separated group in the canonical form.
CODE_GROUP = 4

# What people type instead of the canonical symbols (Crockford's decoding
# rules): O looks like 0, I and L look like 1.
_TYPO_MAP = str.maketrans({"O": "0", "I": "1", "L": "1"})
# Separators a person (or a copy from a PDF viewer) may put inside a code:
# whitespace and every kind of dash, plus dots and underscores.
_SEPARATORS = re.compile(r"[\s\-\u00ad\u2010-\u2015\u2212\u2e3a\u2e3b\ufe58\ufe63\uff0d._]+")
_CODE_SYMBOLS = frozenset(CODE_ALPHABET)
# Anything much longer than a code is not a code; don't even normalise it.
_MAX_TYPED_LENGTH = 100


def _group(symbols: str) -> str:
    return "-".join(
        symbols[i : i + CODE_GROUP] for i in range(0, len(symbols), CODE_GROUP)
    )


def new_verification_code() -> str:
    """Return a fresh random code, e.g. ``7KQ2-M9XD-3F0A-T8BW-R4NC``.

    100 bits from :mod:`secrets` (20 Crockford base32 symbols), in five groups
    of four. The result is already canonical: ``normalize_code(code) == code``.
    """
    value = secrets.randbits(CODE_BITS)
    symbols = "".join(
        CODE_ALPHABET[(value >> (5 * i)) & 31] for i in range(CODE_LENGTH - 1, -1, -1)
    )
    return _group(symbols)


def normalize_code(text: object) -> str | None:
    """Canonical form of a code as typed by a person, or ``None``.

    Accepts lower case, spaces, missing or extra dashes (any dash character),
    full-width characters, and Crockford's look-alikes (``O`` -> ``0``,
    ``I``/``L`` -> ``1``). Returns ``None`` when the text cannot be a code:
    wrong length, a symbol outside the alphabet (e.g. ``U``), or not a string.
    """
    if not isinstance(text, str) or len(text) > _MAX_TYPED_LENGTH:
        return None
    compact = _SEPARATORS.sub("", unicodedata.normalize("NFKC", text))
    if not compact.isascii():
        return None
    compact = compact.upper().translate(_TYPO_MAP)
    if len(compact) != CODE_LENGTH or not set(compact) <= _CODE_SYMBOLS:
        return None
    return _group(compact)


# --------------------------------------------------------------------------
# Data printed on an attestation
# --------------------------------------------------------------------------

#: Languages an attestation can be printed in.
LANGUAGES = ("fr", "en")

_SNAPSHOT_VERSION = 1


def _as_date(value: object, what: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"{what}: expected a date or an ISO date string, got {value!r}")


@dataclass
class CompletedModule:
    """One line of the table: a core module the holder completed."""

    title: str
    completed_on: date
    score_percent: int | None = None

    def __post_init__(self) -> None:
        # A datetime is a date; keep only the day so the snapshot round-trips.
        self.completed_on = _as_date(self.completed_on, "completed_on")
        if self.score_percent is not None:
            if isinstance(self.score_percent, bool) or not isinstance(
                self.score_percent, int
            ):
                raise ValueError(
                    f"score_percent: expected an int or None, got {self.score_percent!r}"
                )

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "completed_on": self.completed_on.isoformat(),
            "score_percent": self.score_percent,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "CompletedModule":
        if not isinstance(data, dict):
            raise ValueError(f"module: expected a mapping, got {type(data).__name__}")
        try:
            title = data["title"]
            completed_on = data["completed_on"]
        except KeyError as exc:
            raise ValueError(f"module: missing key {exc.args[0]!r}") from None
        if not isinstance(title, str):
            raise ValueError("module title: expected a string")
        return cls(
            title=title,
            completed_on=_as_date(completed_on, "completed_on"),
            score_percent=data.get("score_percent"),
        )


@dataclass
class AttestationData:
    """Everything printed on an attestation (and nothing else).

    ``lang`` is ``"fr"`` or ``"en"``; it selects every printed string and the
    date format. ``to_dict()`` gives the JSON-serialisable snapshot the
    application stores; ``from_dict()`` rebuilds an equal object from it.
    """

    holder_name: str
    issued_on: date
    code: str
    modules: list[CompletedModule] = field(default_factory=list)
    lang: str = "fr"

    def __post_init__(self) -> None:
        self.issued_on = _as_date(self.issued_on, "issued_on")
        if self.lang not in LANGUAGES:
            raise ValueError(f"lang: expected one of {LANGUAGES}, got {self.lang!r}")
        self.modules = list(self.modules)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": _SNAPSHOT_VERSION,
            "holder_name": self.holder_name,
            "issued_on": self.issued_on.isoformat(),
            "code": self.code,
            "lang": self.lang,
            "modules": [m.to_dict() for m in self.modules],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "AttestationData":
        """Rebuild from :meth:`to_dict` output; ``ValueError`` if malformed."""
        if not isinstance(data, dict):
            raise ValueError(f"expected a mapping, got {type(data).__name__}")
        version = data.get("version", _SNAPSHOT_VERSION)
        if version != _SNAPSHOT_VERSION:
            raise ValueError(f"unsupported snapshot version {version!r}")
        try:
            holder_name = data["holder_name"]
            issued_on = data["issued_on"]
            code = data["code"]
            lang = data["lang"]
            modules = data["modules"]
        except KeyError as exc:
            raise ValueError(f"missing key {exc.args[0]!r}") from None
        if not isinstance(holder_name, str) or not isinstance(code, str):
            raise ValueError("holder_name and code must be strings")
        if not isinstance(modules, list):
            raise ValueError("modules: expected a list")
        return cls(
            holder_name=holder_name,
            issued_on=_as_date(issued_on, "issued_on"),
            code=code,
            modules=[CompletedModule.from_dict(m) for m in modules],
            lang=lang,
        )


# --------------------------------------------------------------------------
# Strings and formats
# --------------------------------------------------------------------------

_MONTHS_EN = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip

_TEXTS: dict[str, dict[str, str]] = {
    "fr": {
        "title": "Attestation de sensibilisation à la cybersécurité",
        "header": "CyberAware · Aix-Marseille Université",
        "certify": "Nous attestons que",
        "completed": (
            "a suivi avec succès l’ensemble des modules obligatoires du parcours "
            "de sensibilisation à la cybersécurité CyberAware "
            "d’Aix-Marseille Université."
        ),
        "col_module": "Module",
        "col_date": "Terminé le",
        "col_score": "Score",
        "issued": "Attestation délivrée le {date}.",
        "verify_heading": "Vérification",
        "verify_text": (
            "Pour vérifier l’authenticité de cette attestation, scannez le QR code "
            "ou rendez-vous à l’adresse suivante :"
        ),
        "code": "Code de vérification : {code}",
        "qr_alt": "QR code de l’adresse de vérification {url}",
        "footer": "CyberAware · Aix-Marseille Université — {code} — page {page}/{pages}",
        "subject": "Attestation de suivi du parcours CyberAware de {name}",
        "keywords": "CyberAware attestation cybersécurité sensibilisation",
        "filename": "attestation-cyberaware",
    },
    "en": {
        "title": "Cybersecurity awareness certificate",
        "header": "CyberAware · Aix-Marseille Université",
        "certify": "This is to certify that",
        "completed": (
            "has successfully completed all core modules of the CyberAware "
            "cybersecurity awareness curriculum of Aix-Marseille Université."
        ),
        "col_module": "Module",
        "col_date": "Completed on",
        "col_score": "Score",
        "issued": "Issued on {date}.",
        "verify_heading": "Verification",
        "verify_text": (
            "To check that this certificate is genuine, scan the QR code "
            "or visit the following address:"
        ),
        "code": "Verification code: {code}",
        "qr_alt": "QR code of the verification address {url}",
        "footer": "CyberAware · Aix-Marseille Université — {code} — page {page}/{pages}",
        "subject": "CyberAware curriculum completion certificate of {name}",
        "keywords": "CyberAware certificate cybersecurity awareness",
        "filename": "cyberaware-certificate",
    },
}

_NO_SCORE = "—"


def format_date(value: date, lang: str) -> str:
    """``30/11/2026`` in French, ``30 November 2026`` in English."""
    if lang == "fr":
        return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"
    if lang == "en":
        return f"{value.day} {_MONTHS_EN[value.month - 1]} {value.year}"
    raise ValueError(f"lang: expected one of {LANGUAGES}, got {lang!r}")


def format_score(score_percent: int | None, lang: str) -> str:
    """``85 %`` (no-break space) in French, ``85%`` in English, ``—`` if None."""
    if score_percent is None:
        return _NO_SCORE
    if lang == "fr":
        return f"{score_percent}\u00a0%"
    return f"{score_percent}%"


def suggested_filename(data: AttestationData) -> str:
    """ASCII file name for the download, e.g. ``attestation-cyberaware-7KQ2....pdf``."""
    safe_code = re.sub(r"[^A-Za-z0-9-]", "", data.code)[:40]
    base = _TEXTS[data.lang]["filename"]
    return f"{base}-{safe_code}.pdf" if safe_code else f"{base}.pdf"


# --------------------------------------------------------------------------
# PDF rendering
# --------------------------------------------------------------------------

FONTS_DIR = Path(__file__).resolve().parent / "static" / "fonts"
_FONT_FAMILY = "DejaVuSans"
_FONT_REGULAR = FONTS_DIR / "DejaVuSans.ttf"
_FONT_BOLD = FONTS_DIR / "DejaVuSans-Bold.ttf"

# Longer strings are cut (with "…") so that no table row can outgrow a page.
_MAX_NAME_CHARS = 300
_MAX_TITLE_CHARS = 400
_MAX_URL_CHARS = 1000

_COLOR_TEXT = (33, 37, 41)
_COLOR_ACCENT = (0, 61, 122)
_COLOR_MUTED = (90, 96, 102)
_COLOR_RULE = (160, 170, 180)
_COLOR_HEAD_FILL = (226, 233, 242)

_MARGIN = 20.0
_QR_SIZE = 38.0


@lru_cache(maxsize=1)
def _font_coverage() -> frozenset[int]:
    """Code points both embedded fonts can draw."""
    from fontTools.ttLib import TTFont

    coverage: frozenset[int] | None = None
    for path in (_FONT_REGULAR, _FONT_BOLD):
        font = TTFont(str(path), lazy=True)
        try:
            cmap = frozenset(font.getBestCmap() or {})
        finally:
            font.close()
        coverage = cmap if coverage is None else coverage & cmap
    return coverage or frozenset()


def _printable(text: object, limit: int) -> str:
    """Make *text* safe to print with the embedded font; never raises.

    NFC-normalises; turns any whitespace into a single space; drops control,
    format (bidi overrides, zero-width...), surrogate, private-use and
    unassigned characters; replaces characters the font lacks by their
    compatibility decomposition when the font has it (``ﬁ`` -> ``fi``,
    ``𝐀`` -> ``A``), otherwise by ``?``; cuts beyond *limit* characters.
    """
    coverage = _font_coverage()
    text = unicodedata.normalize("NFC", text if isinstance(text, str) else str(text))
    out: list[str] = []
    for ch in text:
        category = unicodedata.category(ch)
        if ch.isspace() or category in ("Zs", "Zl", "Zp"):
            out.append(" ")
        elif category in ("Cc", "Cf", "Cs", "Co", "Cn"):
            continue
        elif ord(ch) in coverage:
            out.append(ch)
        else:
            decomposed = [
                c
                for c in unicodedata.normalize("NFKD", ch)
                if ord(c) in coverage and not unicodedata.combining(c) and not c.isspace()
            ]
            out.append("".join(decomposed) or "?")
    cleaned = " ".join("".join(out).split())
    if len(cleaned) > limit:
        cleaned = cleaned[: limit - 1].rstrip() + "…"
    return cleaned


def _make_qr_png(url: str) -> bytes:
    """PNG of a QR code of *url* (error correction M, 4-module quiet zone)."""
    import segno

    qr = segno.make(url, error="m", micro=False)
    buffer = io.BytesIO()
    qr.save(buffer, kind="png", scale=8, border=4, dark="#000000", light="#ffffff")
    return buffer.getvalue()


def _build_pdf(data: AttestationData, verify_url: str, qr_png: bytes, total_pages: int) -> Any:
    # fpdf2 is imported lazily: importing this module (e.g. for the codes) stays cheap.
    from fpdf import FPDF
    from fpdf.enums import Align, TableCellFillMode, WrapMode, XPos, YPos
    from fpdf.fonts import FontFace
    from fpdf.prefs import ViewerPreferences

    texts = _TEXTS[data.lang]
    name = _printable(data.holder_name, _MAX_NAME_CHARS)
    code = _printable(data.code, 60)
    url_text = _printable(verify_url, _MAX_URL_CHARS)
    # Only make the URL clickable when it is a plain printable ASCII URL.
    link = verify_url if verify_url.isascii() and verify_url.isprintable() else ""

    class _AttestationPDF(FPDF):
        def footer(self) -> None:
            self.set_y(-15)
            self.set_font(_FONT_FAMILY, "", 8)
            self.set_text_color(*_COLOR_MUTED)
            self.cell(
                0,
                5,
                texts["footer"].format(code=code, page=self.page_no(), pages=total_pages),
                align=Align.C,
            )

    pdf = _AttestationPDF(orientation="portrait", unit="mm", format="A4")
    # fpdf2 would replace "{nb}" anywhere -- including inside a holder's name.
    pdf.alias_nb_pages(None)
    pdf.add_font(_FONT_FAMILY, "", str(_FONT_REGULAR))
    pdf.add_font(_FONT_FAMILY, "B", str(_FONT_BOLD))
    pdf.set_margins(_MARGIN, 18, _MARGIN)
    pdf.set_auto_page_break(True, margin=22)

    # Metadata and accessibility.
    pdf.set_title(texts["title"])
    pdf.set_author("CyberAware")
    pdf.set_creator("CyberAware")
    pdf.set_subject(texts["subject"].format(name=name))
    pdf.set_keywords(texts["keywords"])
    pdf.set_lang(data.lang)
    pdf.viewer_preferences = ViewerPreferences(display_doc_title=True)
    # Deterministic output: the same snapshot always gives the same bytes.
    pdf.set_creation_date(datetime.combine(data.issued_on, time(12, 0), timezone.utc))

    def para(w: float, h: float, text: str, align: Align = Align.L, **kwargs: Any) -> None:
        pdf.multi_cell(w, h, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT, **kwargs)

    pdf.add_page()
    width = pdf.epw

    # Header line and title.
    pdf.set_font(_FONT_FAMILY, "", 9)
    pdf.set_text_color(*_COLOR_MUTED)
    pdf.cell(width, 5, texts["header"], align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(6)
    pdf.set_font(_FONT_FAMILY, "B", 20)
    pdf.set_text_color(*_COLOR_ACCENT)
    para(width, 10, texts["title"], Align.C)
    pdf.ln(3)
    pdf.set_draw_color(*_COLOR_RULE)
    pdf.set_line_width(0.4)
    pdf.line(_MARGIN + width / 4, pdf.get_y(), _MARGIN + 3 * width / 4, pdf.get_y())
    pdf.ln(8)

    # The statement, with the holder's name on its own line.
    pdf.set_text_color(*_COLOR_TEXT)
    pdf.set_font(_FONT_FAMILY, "", 12)
    para(width, 7, texts["certify"], Align.C)
    pdf.ln(2)
    name_size = 22 if len(name) <= 40 else 17 if len(name) <= 90 else 13
    pdf.set_font(_FONT_FAMILY, "B", name_size)
    para(width, name_size * 0.5, name, Align.C)
    pdf.ln(3)
    pdf.set_font(_FONT_FAMILY, "", 12)
    para(width, 7, texts["completed"], Align.C)
    pdf.ln(6)

    # Table of modules; fpdf2 repeats the heading row on every page.
    pdf.set_font(_FONT_FAMILY, "", 10)
    with pdf.table(
        col_widths=(110, 36, 24),
        width=width,
        text_align=(Align.L, Align.C, Align.C),
        line_height=5.5,
        padding=(1.5, 2),
        repeat_headings=1,
        headings_style=FontFace(
            family=_FONT_FAMILY, emphasis="BOLD", color=_COLOR_ACCENT, fill_color=_COLOR_HEAD_FILL
        ),
        borders_layout="HORIZONTAL_LINES",
        cell_fill_mode=TableCellFillMode.NONE,
        wrapmode=WrapMode.WORD,
    ) as table:
        table.row((texts["col_module"], texts["col_date"], texts["col_score"]))
        for module in data.modules:
            table.row(
                (
                    _printable(module.title, _MAX_TITLE_CHARS),
                    format_date(module.completed_on, data.lang),
                    format_score(module.score_percent, data.lang),
                )
            )
    pdf.ln(5)
    pdf.set_font(_FONT_FAMILY, "", 11)
    para(width, 6, texts["issued"].format(date=format_date(data.issued_on, data.lang)))
    pdf.ln(6)

    # Verification block (kept on one page): text on the left, QR on the right.
    text_width = width - _QR_SIZE - 6
    pdf.set_font(_FONT_FAMILY, "", 10)
    url_lines = pdf.multi_cell(
        text_width, 5, url_text, dry_run=True, output="LINES", wrapmode=WrapMode.CHAR
    )
    # Heading, two or three lines of explanation, the URL, the code.
    block_height = max(_QR_SIZE + 4, 36 + 5 * len(url_lines))
    if pdf.get_y() + block_height > pdf.page_break_trigger:
        pdf.add_page()
    top = pdf.get_y()
    pdf.set_draw_color(*_COLOR_RULE)
    pdf.set_line_width(0.2)
    pdf.line(_MARGIN, top, _MARGIN + width, top)
    pdf.set_y(top + 3)
    pdf.image(
        io.BytesIO(qr_png),
        x=_MARGIN + width - _QR_SIZE,
        y=top + 3,
        w=_QR_SIZE,
        h=_QR_SIZE,
        alt_text=_printable(texts["qr_alt"].format(url=verify_url), _MAX_URL_CHARS + 100),
        link=link,
    )
    pdf.set_font(_FONT_FAMILY, "B", 11)
    pdf.set_text_color(*_COLOR_ACCENT)
    para(text_width, 6, texts["verify_heading"])
    pdf.ln(1)
    pdf.set_text_color(*_COLOR_TEXT)
    pdf.set_font(_FONT_FAMILY, "", 10)
    para(text_width, 5, texts["verify_text"])
    pdf.ln(1)
    pdf.set_text_color(*_COLOR_ACCENT)
    para(text_width, 5, url_text, link=link, wrapmode=WrapMode.CHAR)
    pdf.ln(2)
    pdf.set_text_color(*_COLOR_TEXT)
    pdf.set_font(_FONT_FAMILY, "B", 11)
    para(text_width, 6, texts["code"].format(code=code))
    return pdf


def render_attestation_pdf(data: AttestationData, verify_url: str) -> bytes:
    """Render *data* as an A4 PDF and return its bytes.

    *verify_url* (the public ``/verify/<code>`` address) is printed, linked and
    encoded in a QR code. Metadata: title, author ``CyberAware``, subject,
    document language, "display document title". Output is deterministic for
    a given snapshot and URL (creation date = issue date).

    Raises ``ValueError`` only for an unusable *verify_url* (empty, or too long
    for a QR code); names and titles of any content are printed safely.
    """
    if data.lang not in LANGUAGES:
        raise ValueError(f"lang: expected one of {LANGUAGES}, got {data.lang!r}")
    if not isinstance(verify_url, str) or not verify_url.strip():
        raise ValueError("verify_url must be a non-empty string")
    if len(verify_url) > _MAX_URL_CHARS:
        raise ValueError(f"verify_url longer than {_MAX_URL_CHARS} characters")
    qr_png = _make_qr_png(verify_url)
    # Footer says "page n/N": render once assuming one page (the usual case)
    # and again with the right total when the content needed more pages.
    pdf = _build_pdf(data, verify_url, qr_png, total_pages=1)
    if pdf.pages_count != 1:
        pdf = _build_pdf(data, verify_url, qr_png, total_pages=pdf.pages_count)
    return bytes(pdf.output())
