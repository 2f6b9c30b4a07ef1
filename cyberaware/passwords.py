"""Password policy: plain functions, no Flask."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

MIN_LENGTH = 12
MAX_LENGTH = 256  # bounds the cost of hashing a hostile input
COMMON_PASSWORDS_FILE = Path(__file__).parent / "data" / "common-passwords.txt"


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped list of common and breached passwords, lower-cased."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def password_problems(password: str, email: str = "") -> list[str]:
    """Return the policy rules ``password`` breaks, as codes (empty list: acceptable).

    Codes: ``too-short``, ``too-long``, ``common`` (in the shipped list, or a single repeated
    character), ``contains-email`` (contains the e-mail's local part).
    """
    problems: list[str] = []
    if len(password) < MIN_LENGTH:
        problems.append("too-short")
    if len(password) > MAX_LENGTH:
        problems.append("too-long")
    lowered = password.lower()
    if lowered in common_passwords() or (password and len(set(password)) == 1):
        problems.append("common")
    local_part = email.split("@", 1)[0].lower()
    if len(local_part) >= 4 and local_part in lowered:
        problems.append("contains-email")
    return problems
