"""The authoring guide documents every problem code the validator can emit."""

from __future__ import annotations

import re
from pathlib import Path

import cyberaware.content as content_package

ROOT = Path(__file__).resolve().parents[2]
CODE_LITERAL = re.compile(r'"([a-z]+(?:-[a-z]+)+)"')
NOT_CODES = {"admonition-title"}


def emitted_codes() -> set[str]:
    """Every dashed string literal of the package: problem codes, bar the few in NOT_CODES."""
    codes: set[str] = set()
    for source in Path(content_package.__file__).parent.glob("*.py"):
        codes.update(CODE_LITERAL.findall(source.read_text(encoding="utf-8")))
    return codes - NOT_CODES


def test_code_extraction_finds_the_known_codes():
    codes = emitted_codes()
    assert {"yaml-invalid", "weights-sum", "translation-mismatch", "no-explanation", "module-unknown"} <= codes
    assert len(codes) >= 60


def test_every_code_is_documented_in_both_languages():
    guide = (ROOT / "docs" / "authoring.md").read_text(encoding="utf-8")
    french, english = guide.split('<a id="english"></a>')
    for code in sorted(emitted_codes()):
        assert f"| `{code}`" in french, f"{code} missing from the French section"
        assert f"| `{code}`" in english, f"{code} missing from the English section"
