"""Unit tests for :mod:`cyberaware.attestation` (pure Python, no app fixtures)."""

from __future__ import annotations

import io
import json
import math
import re
import sys
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pypdf = pytest.importorskip("pypdf")

# Make the package importable when pytest is run without a configured pythonpath.
_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from cyberaware import attestation  # noqa: E402
from cyberaware.attestation import (  # noqa: E402
    CODE_ALPHABET,
    CODE_BITS,
    AttestationData,
    CompletedModule,
    format_date,
    format_score,
    new_verification_code,
    normalize_code,
    render_attestation_pdf,
    suggested_filename,
)

CODE_RE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){4}$")
URL_BASE = "https://cyberaware.univ-amu.fr/verify/"
NAME = "Zoë L’Hôpital-Œuvray"


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


def make_data(lang="fr", n_modules=5, name=NAME, titles=None, code=None):
    titles = titles or [
        f"Module {i} · l’hameçonnage, les mots de passe et œuvres" for i in range(1, n_modules + 1)
    ]
    modules = [
        CompletedModule(
            title=title,
            completed_on=date(2026, 11, 1 + i % 28),
            score_percent=None if i % 4 == 3 else 60 + i,
        )
        for i, title in enumerate(titles)
    ]
    return AttestationData(
        holder_name=name,
        issued_on=date(2026, 11, 30),
        code=code or new_verification_code(),
        modules=modules,
        lang=lang,
    )


def read_pdf(pdf_bytes):
    return pypdf.PdfReader(io.BytesIO(pdf_bytes))


def pdf_text(pdf_bytes):
    return "\n".join(page.extract_text() for page in read_pdf(pdf_bytes).pages)


def squash(text):
    """Whitespace-insensitive comparison (pypdf may add/lose line breaks)."""
    return re.sub(r"\s+", "", text)


# --------------------------------------------------------------------------
# verification codes
# --------------------------------------------------------------------------


def test_alphabet_is_crockford_without_ambiguous_letters():
    assert len(CODE_ALPHABET) == 32 == len(set(CODE_ALPHABET))
    assert not set("ILOU") & set(CODE_ALPHABET)
    assert CODE_ALPHABET == "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def test_code_shape_and_entropy():
    code = new_verification_code()
    assert CODE_RE.match(code), code
    symbols = code.replace("-", "")
    assert len(symbols) == 20
    assert CODE_BITS >= 100
    assert len(symbols) * math.log2(len(CODE_ALPHABET)) >= 100


def test_codes_are_unique_and_well_spread_over_10000_draws():
    codes = [new_verification_code() for _ in range(10_000)]
    assert len(set(codes)) == len(codes)
    assert all(CODE_RE.match(c) for c in codes)
    # Every symbol is used, at every position, roughly uniformly: a generator
    # with a stuck or biased position (e.g. too few random bits) fails this.
    for pos in range(20):
        counts = Counter(c.replace("-", "")[pos] for c in codes)
        assert set(counts) == set(CODE_ALPHABET), pos
        expected = len(codes) / 32
        assert max(counts.values()) < expected * 1.6, (pos, counts.most_common(3))
        assert min(counts.values()) > expected * 0.5, (pos, counts.most_common()[-3:])


def test_new_code_is_canonical_and_round_trips():
    for _ in range(200):
        code = new_verification_code()
        assert normalize_code(code) == code
        assert normalize_code(normalize_code(code)) == code


@pytest.mark.parametrize(
    "typed",
    [
        "7KQ2-M9XD-30A1-T8BW-R4NC",
        "7kq2-m9xd-30a1-t8bw-r4nc",
        "7KQ2M9XD30A1T8BWR4NC",
        "  7KQ2 M9XD 30A1 T8BW R4NC  ",
        "7KQ2--M9XD---30A1-T8BW-R4NC-",
        "-7KQ2-M9XD-30A1-T8BW-R4NC",
        "7kq2-m9xd-3oa1-t8bw-r4nc",  # o for 0
        "7KQ2-M9XD-3OAI-T8BW-R4NC",  # O for 0, I for 1
        "7KQ2-M9XD-30al-T8BW-R4NC",  # l for 1
        "7KQ2–M9XD—30A1‐T8BW R4NC",  # typographic dashes, no-break space
        "7KQ2.M9XD_30A1\tT8BW\nR4NC",
        "７ＫＱ２-Ｍ９ＸＤ-３０Ａ１-Ｔ８ＢＷ-Ｒ４ＮＣ",  # full width
    ],
)
def test_normalize_code_accepts_typed_variants(typed):
    assert normalize_code(typed) == "7KQ2-M9XD-30A1-T8BW-R4NC"


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "----",
        "7KQ2-M9XD-30A1-T8BW-R4N",  # one symbol short
        "7KQ2-M9XD-30A1-T8BW-R4NCX",  # one symbol too many
        "7KQ2-M9XD-30A1-T8BW-R4NU",  # U is not in the alphabet
        "7KQ2-M9XD-30A1-T8BW-R4N!",
        "7KQ2-M9XD-30A1-T8BW-R4Né",
        "7KQ2/M9XD/30A1/T8BW/R4NC",
        "7KQ2-M9XD-30A1-T8BW-R4NC" * 3,
        "x" * 10_000,
        None,
        12345,
        b"7KQ2-M9XD-30A1-T8BW-R4NC",
    ],
)
def test_normalize_code_rejects(typed):
    assert normalize_code(typed) is None


@given(st.text(max_size=60))
def test_normalize_code_total_and_idempotent(text):
    result = normalize_code(text)
    assert result is None or (CODE_RE.match(result) and normalize_code(result) == result)


# --------------------------------------------------------------------------
# snapshot
# --------------------------------------------------------------------------


def test_to_dict_from_dict_round_trip_through_json():
    data = make_data("en", 7)
    snapshot = data.to_dict()
    restored = AttestationData.from_dict(json.loads(json.dumps(snapshot)))
    assert restored == data
    assert snapshot["issued_on"] == "2026-11-30"
    assert snapshot["modules"][0]["completed_on"] == "2026-11-01"
    assert snapshot["modules"][3]["score_percent"] is None
    assert isinstance(restored.issued_on, date)
    assert isinstance(restored.modules[0], CompletedModule)
    assert restored.to_dict() == snapshot


def test_datetimes_are_stored_as_days():
    module = CompletedModule("M", datetime(2026, 11, 30, 23, 59), 100)
    assert module.completed_on == date(2026, 11, 30)
    assert type(module.completed_on) is date
    assert module.to_dict()["completed_on"] == "2026-11-30"


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.pop("holder_name"),
        lambda d: d.update(issued_on="30/11/2026"),
        lambda d: d.update(lang="de"),
        lambda d: d.update(modules="none"),
        lambda d: d.update(version=99),
        lambda d: d["modules"][0].update(score_percent="90"),
        lambda d: d["modules"][0].pop("completed_on"),
    ],
)
def test_from_dict_rejects_malformed_snapshots(mutate):
    snapshot = make_data().to_dict()
    mutate(snapshot)
    with pytest.raises(ValueError):
        AttestationData.from_dict(snapshot)


def test_lang_is_validated():
    with pytest.raises(ValueError):
        make_data(lang="es")


# --------------------------------------------------------------------------
# formats
# --------------------------------------------------------------------------


def test_date_and_score_formats():
    assert format_date(date(2026, 11, 30), "fr") == "30/11/2026"
    assert format_date(date(2026, 1, 5), "fr") == "05/01/2026"
    assert format_date(date(2026, 11, 30), "en") == "30 November 2026"
    assert format_date(date(2026, 1, 5), "en") == "5 January 2026"
    assert format_score(85, "fr") == "85\u00a0%"
    assert format_score(85, "en") == "85%"
    assert format_score(None, "fr") == format_score(None, "en") == "—"


def test_suggested_filename_is_ascii():
    data = make_data(code="7KQ2-M9XD-30A1-T8BW-R4NC")
    assert suggested_filename(data) == "attestation-cyberaware-7KQ2-M9XD-30A1-T8BW-R4NC.pdf"
    data.code = "../../é"
    assert suggested_filename(data) == "attestation-cyberaware.pdf"
    data.lang = "en"
    data.code = "AB/CD"
    assert suggested_filename(data) == "cyberaware-certificate-ABCD.pdf"


# --------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "lang, title, sentence, col_date, issued",
    [
        (
            "fr",
            "Attestation de sensibilisation à la cybersécurité",
            "a suivi avec succès l’ensemble des modules obligatoires du parcours de "
            "sensibilisation à la cybersécurité CyberAware d’Aix-Marseille Université",
            "Terminé le",
            "Attestation délivrée le 30/11/2026",
        ),
        (
            "en",
            "Cybersecurity awareness certificate",
            "has successfully completed all core modules of the CyberAware cybersecurity "
            "awareness curriculum of Aix-Marseille Université",
            "Completed on",
            "Issued on 30 November 2026",
        ),
    ],
)
def test_pdf_contains_everything_printed(lang, title, sentence, col_date, issued):
    data = make_data(lang, 6)
    url = URL_BASE + data.code
    pdf_bytes = render_attestation_pdf(data, url)
    assert pdf_bytes.startswith(b"%PDF-")
    assert pdf_bytes.rstrip().endswith(b"%%EOF")

    text = pdf_text(pdf_bytes)
    flat = squash(text)
    assert squash(title) in flat
    assert squash(sentence) in flat
    assert NAME in text
    assert squash(col_date) in flat
    assert squash(issued) in flat
    assert data.code in text
    assert url in text
    for module in data.modules:
        assert squash(module.title) in flat
        assert format_date(module.completed_on, lang) in text
        assert squash(format_score(module.score_percent, lang)) in flat
    # The other language's date format must not appear.
    other = "en" if lang == "fr" else "fr"
    assert format_date(data.modules[0].completed_on, other) not in text


def test_pdf_metadata_and_language():
    for lang, title in (
        ("fr", "Attestation de sensibilisation à la cybersécurité"),
        ("en", "Cybersecurity awareness certificate"),
    ):
        data = make_data(lang, 2)
        data.issued_on = date(2025, 6, 15)
        reader = read_pdf(render_attestation_pdf(data, URL_BASE + "X"))
        assert reader.metadata.title == title
        assert reader.metadata.author == "CyberAware"
        assert reader.metadata.creation_date.date() == date(2025, 6, 15)  # issue date
        root = reader.trailer["/Root"]
        assert root["/Lang"] == lang
        assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"]) is True
        box = reader.pages[0].mediabox
        assert (round(float(box.width) * 25.4 / 72), round(float(box.height) * 25.4 / 72)) == (
            210,
            297,
        )


def test_pdf_fonts_are_embedded_subsets():
    reader = read_pdf(render_attestation_pdf(make_data(), URL_BASE + "X"))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    names = {str(f.get_object()["/BaseFont"]) for f in fonts.values()}
    assert names and all("DejaVuSans" in n for n in names), names
    assert all(re.match(r"^/[A-Z]{6}\+", n) for n in names), names  # subset prefix


def _page_images(page):
    xobjects = page["/Resources"].get("/XObject") or {}
    return [x.get_object() for x in xobjects.values() if x.get_object()["/Subtype"] == "/Image"]


def test_qr_code_is_an_image_of_the_verification_url():
    segno = pytest.importorskip("segno")
    from PIL import Image, ImageChops

    data = make_data()
    url = URL_BASE + data.code
    reader = read_pdf(render_attestation_pdf(data, url))
    images = [img for page in reader.pages for img in _page_images(page)]
    assert len(images) == 1

    embedded = reader.pages[-1].images[0].image.convert("L")
    buffer = io.BytesIO()
    segno.make(url, error="m", micro=False).save(buffer, kind="png", scale=8, border=4)
    expected = Image.open(io.BytesIO(buffer.getvalue())).convert("L")
    assert embedded.size == expected.size
    assert ImageChops.difference(embedded, expected).getbbox() is None

    # ...and a QR code of another URL differs.
    buffer = io.BytesIO()
    segno.make(url + "X", error="m", micro=False).save(buffer, kind="png", scale=8, border=4)
    other = Image.open(io.BytesIO(buffer.getvalue())).convert("L")
    assert other.size != embedded.size or ImageChops.difference(embedded, other).getbbox()


def test_qr_image_has_alt_text_and_url_is_a_link():
    data = make_data()
    url = URL_BASE + data.code
    pdf_bytes = render_attestation_pdf(data, url)
    reader = read_pdf(pdf_bytes)
    uris = [
        annot.get_object()["/A"]["/URI"]
        for page in reader.pages
        for annot in page.get("/Annots") or []
    ]
    assert url in uris
    assert b"/StructTreeRoot" in pdf_bytes and b"/Alt" in pdf_bytes


def test_twenty_modules_break_pages_and_repeat_table_header():
    data = make_data("en", 20)
    url = URL_BASE + data.code
    reader = read_pdf(render_attestation_pdf(data, url))
    pages = [page.extract_text() for page in reader.pages]
    assert len(pages) >= 2
    text = "\n".join(pages)
    for module in data.modules:
        assert squash(module.title) in squash(text)
    # Every page holding table rows starts the table with its header row.
    for page_text in pages:
        if "Module " in page_text.replace("Module Completed on Score", ""):
            assert "Module Completed on Score" in page_text
    assert f"page 1/{len(pages)}" in pages[0]
    assert f"page {len(pages)}/{len(pages)}" in pages[-1]
    # The verification block is not split across pages.
    last = pages[-1]
    assert url in last and f"Verification code: {data.code}" in last


def test_forty_modules_with_long_titles():
    titles = [
        f"Module {i} — " + "sécurité des systèmes d’information et œuvres complètes " * 6
        for i in range(40)
    ]
    data = make_data("fr", titles=titles)
    reader = read_pdf(render_attestation_pdf(data, URL_BASE + data.code))
    assert len(reader.pages) >= 3
    headers = sum("ModuleTerminéleScore" in squash(p.extract_text()) for p in reader.pages)
    assert headers >= 3


def test_accents_apostrophes_and_long_names():
    long_name = (
        "Marie-Ève Françoise Anaïs de La Tour d’Auvergne-Lauraguais "
        "Œuvray-Saint-Exupéry Ångström Müller-Lüdenscheidt"
    )
    for name in (NAME, "Jean-Luc D'Artagnan", "Noël Œdipe l’Aîné", long_name):
        data = make_data(name=name)
        text = pdf_text(render_attestation_pdf(data, URL_BASE + data.code))
        assert squash(name) in squash(text), name


def test_unprintable_characters_are_replaced_not_raised():
    # CJK is not in DejaVu Sans; U+202E (right-to-left override) could make a
    # name *look* different from what it is; "{nb}" is fpdf2's page alias.
    name = "Zoë \u202eyarvuŒ\u202c 漢字 {nb} 3㎏\x00\ud800"
    data = make_data(name=name, titles=["Titre 𝐀 \u200b ok"])
    text = pdf_text(render_attestation_pdf(data, URL_BASE + data.code))
    assert "Zoë yarvuŒ ?? {nb} 3kg" in text
    assert "Titre A ok" in text
    assert "\u202e" not in text


def test_huge_titles_are_cut_instead_of_overflowing_a_page():
    # 3000 wide glyphs would make a table row taller than a page (fpdf2 raises).
    data = make_data(titles=["W" * 3000, "M" * 3000], name="W" * 5000)
    reader = read_pdf(render_attestation_pdf(data, URL_BASE + data.code))
    text = "".join(page.extract_text() for page in reader.pages)
    assert text.count("…") >= 3
    assert "W" * 3000 not in squash(text)


def test_output_is_deterministic_for_a_snapshot():
    data = make_data("en", 3)
    url = URL_BASE + data.code
    first = render_attestation_pdf(data, url)
    again = render_attestation_pdf(AttestationData.from_dict(data.to_dict()), url)
    assert first == again
    data.holder_name += "x"
    assert render_attestation_pdf(data, url) != first


def test_bad_verify_url_is_a_value_error():
    with pytest.raises(ValueError):
        render_attestation_pdf(make_data(), "")
    with pytest.raises(ValueError):
        render_attestation_pdf(make_data(), "https://x/" + "a" * 5000)


def test_empty_module_list_still_renders():
    data = make_data(titles=None, n_modules=0)
    data.modules = []
    assert render_attestation_pdf(data, URL_BASE + data.code).startswith(b"%PDF")


def test_printable_drops_controls_and_limits_length():
    printable = attestation._printable
    assert printable("  a\tb\n\u00a0c  ", 100) == "a b c"
    assert printable("x" * 50, 10) == "x" * 9 + "…"
    assert printable("\ud800\udfff\ue000", 10) == ""
    coverage = attestation._font_coverage()
    for ch in "œŒ’·—…àâäéèêëîïôöùûüÿçÀÂÉÈÊËÎÏÔÙÛÜŸÇ«»€\u00a0":
        assert ord(ch) in coverage, ch


# --------------------------------------------------------------------------
# fuzzing
# --------------------------------------------------------------------------

# Every Unicode category, surrogates included: nothing may make rendering raise.
_any_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=120)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    name=st.one_of(_any_text, st.text(min_size=200, max_size=2000)),
    titles=st.lists(st.one_of(_any_text, st.text(min_size=300, max_size=3000)), max_size=6),
    lang=st.sampled_from(["fr", "en"]),
    day=st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)),
    score=st.one_of(st.none(), st.integers(-(10**12), 10**12)),
)
def test_arbitrary_names_and_titles_never_raise(name, titles, lang, day, score):
    data = AttestationData(
        holder_name=name,
        issued_on=day,
        code=new_verification_code(),
        modules=[CompletedModule(t, day, score) for t in titles],
        lang=lang,
    )
    pdf_bytes = render_attestation_pdf(data, URL_BASE + data.code)
    assert pdf_bytes.startswith(b"%PDF")
    assert AttestationData.from_dict(json.loads(json.dumps(data.to_dict()))) == data
