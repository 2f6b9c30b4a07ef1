"""Importing a roster into the accounts: plan (a dry run), then apply in one transaction.

:func:`plan_import` compares the valid rows of a :class:`~cyberaware.roster.RosterFile` with the
existing accounts, loaded in bulk, and says what would be created, updated (field by field),
left unchanged or rejected. :func:`apply_import` writes a plan in one transaction, with bulk
INSERT and UPDATE statements, then e-mails an invitation to every created student.

Matching (the upsert key): the student number first, then the e-mail address. A row is rejected
when its student number and its e-mail point to two different accounts, when it matches a
staff account, when its e-mail matches a student who already has another student number, when it
would give a student an address another account uses, and, for a coordinator limited to some
faculties, when the row's or the student's current faculty is outside them.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_request_context
from sqlalchemy.exc import IntegrityError

from cyberaware.extensions import db
from cyberaware.models import Role, User, utcnow
from cyberaware.models.user import new_session_token
from cyberaware.roster import FIELD_LABELS, Reason, RejectedLine, RosterFile, RosterRow, _
from cyberaware.services import audit
from cyberaware.services.scope import allowed_faculties

log = logging.getLogger("cyberaware.roster")

#: Keys per ``IN (...)`` query and rows per INSERT/UPDATE batch (well under SQLite's 32,766 parameters).
CHUNK = 2000

#: From this many keys (student numbers + e-mails) on, the plan reads the whole table's keys once.
WHOLE_TABLE_FROM = 20_000

#: Fields an import may change on an existing student, in display order.
UPDATABLE = ("email", "student_number", "last_name", "first_name", "faculty", "programme", "year_of_study",
             "group_name")
#: Fields an empty cell leaves alone (a missing name is a gap in the export, not a change of name).
KEPT_WHEN_EMPTY = frozenset({"last_name", "first_name"})
_NAME_FIELDS = frozenset({"last_name", "first_name"})

_COLUMNS = (User.id, User.role, User.email, User.student_number, User.first_name, User.last_name, User.faculty,
            User.programme, User.year_of_study, User.group_name)


class ImportRefused(Exception):
    """The plan has rejected lines and skipping them was not asked: nothing was changed."""

    def __init__(self, rejected: int) -> None:
        self.rejected = rejected
        super().__init__(f"{rejected} invalid line(s): fix them or skip them; nothing was changed")


class ImportFailed(Exception):
    """The database refused the changes (it changed since the plan was made): nothing was changed."""


@dataclass(frozen=True, slots=True)
class PlannedRow:
    """One line of the file that will create or update a student, or that changes nothing."""

    line: int
    student_number: str
    email: str
    #: created: every value; updated: the new value of each changed field; unchanged: empty
    values: dict[str, str | None] = field(default_factory=dict)
    user_id: int | None = None
    matched_by: str | None = None  # "student_number" or "email" for existing students
    #: field -> (current value, new value), for updates
    changes: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)


@dataclass
class ImportPlan:
    """What importing a roster would do; nothing is written until :func:`apply_import`."""

    roster: RosterFile
    file_name: str
    created: list[PlannedRow]
    updated: list[PlannedRow]
    unchanged: list[PlannedRow]
    #: the file's rejected lines and those refused against the database, by line number
    rejected: list[RejectedLine]
    #: faculties the planner was limited to (None: every faculty)
    faculties: frozenset[str] | None = None

    @property
    def counts(self) -> dict[str, int]:
        """Number of lines per outcome."""
        return {"created": len(self.created), "updated": len(self.updated), "unchanged": len(self.unchanged),
                "rejected": len(self.rejected)}


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What :func:`apply_import` did."""

    created: int
    updated: int
    unchanged: int
    skipped: int
    invited: int
    file_name: str
    invitations_pending: int = 0  # left to `flask users invite --pending` (large imports)


@dataclass(frozen=True, slots=True)
class _Account:
    """The columns of an existing account an import compares with."""

    id: int
    role: str
    email: str
    student_number: str | None
    first_name: str
    last_name: str
    faculty: str | None
    programme: str | None
    year_of_study: str | None
    group_name: str | None


def plan_import(roster_file: RosterFile, actor: User | None = None, file_name: str = "") -> ImportPlan:
    """Compare ``roster_file`` with the accounts and return the plan; changes nothing.

    ``actor`` limits the plan to the faculties they may see (none: the command line, every
    faculty). Existing accounts are loaded with a few bulk queries, whatever the file's size.
    """
    faculties = allowed_faculties(actor) if actor is not None else None
    rows = roster_file.rows
    by_number, by_email = _accounts({row.student_number for row in rows}, {row.email for row in rows})
    present = frozenset(roster_file.columns)
    created: list[PlannedRow] = []
    updated: list[PlannedRow] = []
    unchanged: list[PlannedRow] = []
    refused: list[RejectedLine] = []
    for row in rows:
        account, reason = _match(row, by_number.get(row.student_number), by_email.get(row.email))
        if reason is None:
            reason = _scope_reason(row, account, present, faculties)
        if reason is not None:
            refused.append(RejectedLine(row.line, (reason,)))
        elif account is None:
            created.append(PlannedRow(row.line, row.student_number, row.email, _new_values(row, present)))
        else:
            changes = _changes(row, account, present)
            matched_by = "student_number" if account.student_number == row.student_number else "email"
            target = updated if changes else unchanged
            target.append(PlannedRow(row.line, row.student_number, row.email,
                                     {name: new for name, (_old, new) in changes.items()},
                                     user_id=account.id, matched_by=matched_by, changes=changes))
    rejected = sorted(roster_file.rejected + refused, key=lambda item: item.line)
    return ImportPlan(roster=roster_file, file_name=file_name, created=created, updated=updated, unchanged=unchanged,
                      rejected=rejected, faculties=frozenset(faculties) if faculties is not None else None)


#: Above this many new students, invitations are left to `flask users invite --pending`
#: (a scheduled job), so a web request never spends minutes sending e-mail.
INLINE_INVITATIONS = 200


def apply_import(plan: ImportPlan, actor: User | None, skip_invalid: bool,
                 send_invitations: bool = True) -> ImportResult:
    """Write ``plan`` in one transaction, then invite the created students.

    Raises :class:`ImportRefused` (nothing changed) when the plan has rejected lines and
    ``skip_invalid`` is False, and :class:`ImportFailed` (rolled back) when the database refuses
    the changes. Created students have no password and a verified address (the university
    vouches for it); the invitation lets them choose a password. The audit event holds counts and
    the file name, never personal data.
    """
    if plan.rejected and not skip_invalid:
        raise ImportRefused(len(plan.rejected))
    now = utcnow()
    try:
        for batch in _chunks(plan.created, CHUNK):
            db.session.execute(sa.insert(User), [_insert_values(row, now) for row in batch])
        for batch in _chunks(plan.updated, CHUNK):
            for group in _by_keys(batch):
                db.session.execute(sa.update(User), group)
        result = ImportResult(created=len(plan.created), updated=len(plan.updated), unchanged=len(plan.unchanged),
                              skipped=len(plan.rejected), invited=0, file_name=plan.file_name)
        audit.record(actor, "roster.import", rows=result.created + result.updated, file=plan.file_name,
                     created=result.created, updated=result.updated, unchanged=result.unchanged,
                     skipped=result.skipped, invitations=bool(send_invitations and result.created))
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        log.warning("roster import rolled back: %s", error.orig.__class__.__name__)
        raise ImportFailed("the accounts changed since the plan was made; plan the import again") from None
    log.info("roster import: created=%d updated=%d unchanged=%d skipped=%d", result.created, result.updated,
             result.unchanged, result.skipped)
    if send_invitations and plan.created:
        if len(plan.created) <= INLINE_INVITATIONS:
            invited = invite([row.student_number for row in plan.created])
            result = dataclasses.replace(result, invited=invited)
        else:
            result = dataclasses.replace(result, invitations_pending=len(plan.created))
    return result


def pending_invitations() -> sa.Select:
    """Students who have no password and were never invited."""
    return sa.select(User.student_number).where(
        User.role == "student", User.password_hash.is_(None), User.invited_at.is_(None),
        User.student_number.is_not(None), User.active.is_(True))


def invite(student_numbers: Sequence[str]) -> int:
    """E-mail an invitation to set a password to each student of ``student_numbers``; return the count.

    Outside a request (the command line), links are built on ``CYBERAWARE_PUBLIC_URL``.
    """
    from cyberaware.auth.service import send_invitation

    sent = 0
    with _url_context():
        for chunk in _chunks(list(student_numbers), CHUNK):
            for user in db.session.scalars(sa.select(User).where(User.student_number.in_(chunk))):
                send_invitation(user)
                sent += 1
            db.session.commit()  # invited_at of this chunk: a crash later re-sends only the rest
            db.session.expunge_all()
    return sent


# --- planning helpers -------------------------------------------------------------------------------

def _accounts(numbers: set[str], emails: set[str]) -> tuple[dict[str, _Account], dict[str, _Account]]:
    """Existing accounts with one of ``numbers`` or ``emails``: (by student number, by e-mail).

    Small files use ``IN (...)`` queries of :data:`CHUNK` keys; from :data:`WHOLE_TABLE_FROM` keys
    on, one streamed scan of the table's keys is cheaper and does not depend on the planner's
    statistics (which are stale right after a bulk import).
    """
    by_number: dict[str, _Account] = {}
    by_email: dict[str, _Account] = {}
    if len(numbers) + len(emails) >= WHOLE_TABLE_FROM:
        queries: Iterable[sa.Select] = [sa.select(*_COLUMNS)]
    else:
        queries = [sa.select(*_COLUMNS).where(column.in_(chunk))
                   for column, keys in ((User.student_number, numbers), (User.email, emails))
                   for chunk in _chunks(sorted(keys), CHUNK)]
    for query in queries:
        for values in db.session.execute(query.execution_options(yield_per=CHUNK)):
            account = _Account(*values)
            if account.student_number in numbers:
                by_number[account.student_number] = account
            if account.email in emails:
                by_email[account.email] = account
    return by_number, by_email


def _match(row: RosterRow, by_number: _Account | None, by_email: _Account | None
           ) -> tuple[_Account | None, Reason | None]:
    """The account ``row`` updates (None: a new student), or the reason it is refused."""
    if by_number is not None and by_email is not None and by_number.id != by_email.id:
        return None, Reason("conflict", _("The student number %(number)s belongs to one account and the e-mail "
                                          "%(email)s to another one."),
                            {"number": row.student_number, "email": row.email})
    if by_number is None and by_email is not None and by_email.student_number:
        return None, Reason("number-mismatch", _("The e-mail %(email)s belongs to an account with another "
                                                 "student number."), {"email": row.email})
    account = by_number or by_email
    if account is not None and account.role != Role.STUDENT:
        return None, Reason("staff-account", _("This line matches a staff account (%(role)s); rosters only "
                                               "create and update students."), {"role": account.role})
    return account, None


def _scope_reason(row: RosterRow, account: _Account | None, present: frozenset[str],
                  faculties: set[str] | None) -> Reason | None:
    """Why a coordinator limited to ``faculties`` may not import ``row`` (None: they may)."""
    if faculties is None:
        return None
    allowed = ", ".join(sorted(faculties))
    if account is not None and account.faculty and account.faculty not in faculties:
        return Reason("out-of-scope", _("This student belongs to a faculty outside your scope (you may import "
                                        "only: %(allowed)s)."), {"allowed": allowed})
    faculty = row.faculty if "faculty" in present else (account.faculty if account else "")
    if not faculty:
        return Reason("out-of-scope", _("The faculty is missing; you may import only students of: %(allowed)s."),
                      {"allowed": allowed})
    if faculty not in faculties:
        return Reason("out-of-scope", _("The faculty “%(faculty)s” is outside your scope (you may import only: "
                                        "%(allowed)s)."), {"faculty": faculty, "allowed": allowed})
    return None


def _new_values(row: RosterRow, present: frozenset[str]) -> dict[str, str | None]:
    """The values of a new student (names default to empty text, other fields to NULL)."""
    values: dict[str, str | None] = {"student_number": row.student_number, "email": row.email}
    for name in UPDATABLE[2:]:
        value = row.value(name) if name in present else ""
        values[name] = value if (value or name in _NAME_FIELDS) else None
    return values


def _changes(row: RosterRow, account: _Account, present: frozenset[str]) -> dict[str, tuple[str | None, str | None]]:
    """Field -> (current, new) for every value ``row`` changes on ``account``.

    Absent columns change nothing; an empty cell clears faculty, programme, year and group but
    leaves the names alone.
    """
    changes: dict[str, tuple[str | None, str | None]] = {}
    if account.email != row.email:
        changes["email"] = (account.email, row.email)
    if account.student_number != row.student_number:
        changes["student_number"] = (account.student_number, row.student_number)
    for name in UPDATABLE[2:]:
        if name not in present:
            continue
        new: str | None = row.value(name)
        if not new:
            if name in KEPT_WHEN_EMPTY:
                continue
            new = None
        old = getattr(account, name)
        if (old or None) != new:
            changes[name] = (old, new)
    return changes


# --- applying helpers -------------------------------------------------------------------------------

def _insert_values(row: PlannedRow, now: Any) -> dict[str, Any]:
    """The INSERT parameters of a new student: no password, address verified, role student."""
    return {**row.values, "role": Role.STUDENT.value, "password_hash": None, "active": True,
            "email_verified_at": now, "created_at": now, "session_token": new_session_token()}


def _by_keys(rows: Sequence[PlannedRow]) -> Iterator[list[dict[str, Any]]]:
    """UPDATE parameter sets grouped by the fields they change (one executemany per group)."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(row.values)), []).append({"id": row.user_id, **row.values})
    yield from groups.values()


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _url_context() -> AbstractContextManager[Any]:
    """A request context for building e-mail links when there is none (the CLI)."""
    if has_request_context():
        return nullcontext()
    return current_app.test_request_context(base_url="http://localhost/")


def field_label(name: str) -> str:
    """The English label of a roster field (the template to translate)."""
    return FIELD_LABELS.get(name, name)
