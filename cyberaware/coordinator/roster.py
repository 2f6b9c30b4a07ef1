"""Coordinator views: roster import (registered on the coordinator blueprint).

Upload a CSV, see the dry run (created, updated with the changed fields, rejected lines with
their reasons), then confirm. The confirmation applies exactly the previewed bytes: they are kept
on the server under a random token (for one hour at most), and the confirmation form carries only
that token and the file's SHA-256, never the data.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import time
from pathlib import Path, PurePosixPath
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from flask_login import current_user
from werkzeug.wrappers import Response

from cyberaware.coordinator.forms import TOKEN_PATTERN, RosterConfirmForm, RosterUploadForm
from cyberaware.coordinator.routes import bp
from cyberaware.roster import FIELD_LABELS, FIELDS, MAX_BYTES, Reason, RosterError, parse_roster
from cyberaware.services.roster import ImportFailed, ImportRefused, apply_import, plan_import

#: Lines shown per section of the dry run (the counts are always complete).
DISPLAY_LIMIT = 500
#: How long an uploaded roster waits for its confirmation, in seconds.
UPLOAD_MAX_AGE = 3600
_FORM_OVERHEAD = 64 * 1024


@bp.url_value_preprocessor
def _allow_roster_size(endpoint: str | None, _values: dict[str, Any] | None) -> None:
    """Raise the request size limit to the roster's (20 MB) for staff uploading one.

    Runs before the CSRF check reads the form, so the limit applies when the body is parsed.
    """
    if endpoint == "coordinator.roster" and request.method == "POST" and current_user.is_authenticated \
            and current_user.has_role("coordinator"):
        request.max_content_length = MAX_BYTES + _FORM_OVERHEAD


@bp.route("/roster", methods=["GET", "POST"])
def roster() -> str | tuple[str, int]:
    """Upload form; on POST, the dry run of the uploaded file with a confirmation button."""
    form = RosterUploadForm()
    if not form.validate_on_submit():
        return render_template("coordinator/roster.html", form=form)
    data = form.roster.data.read(MAX_BYTES + 1)
    name = _file_name(form.roster.data.filename)
    try:
        roster_file = parse_roster(data)
    except RosterError as error:
        form.roster.errors.append(reason_text(error.reason))
        return render_template("coordinator/roster.html", form=form), 422
    plan = plan_import(roster_file, actor=current_user, file_name=name)
    token, digest = store_upload(data, name)
    confirm = RosterConfirmForm(formdata=None, token=token, sha256=digest, skip_invalid=form.skip_invalid.data)
    return render_template("coordinator/roster_preview.html", plan=plan, confirm=confirm, limit=DISPLAY_LIMIT)


@bp.route("/roster/confirm", methods=["POST"])
def roster_confirm() -> Response | tuple[str, int]:
    """Apply the previewed roster (found by its token, checked against its hash), then delete it."""
    form = RosterConfirmForm()
    upload = load_upload(form.token.data, form.sha256.data) if form.validate_on_submit() else None
    if upload is None:
        upload_form = RosterUploadForm(formdata=None)
        upload_form.roster.errors = [gettext("This preview is no longer valid (expired, already imported or "
                                             "altered). Upload the file again.")]
        return render_template("coordinator/roster.html", form=upload_form), 400
    data, name = upload
    plan = plan_import(parse_roster(data), actor=current_user, file_name=name)
    try:
        result = apply_import(plan, current_user, skip_invalid=form.skip_invalid.data)
    except ImportRefused as error:
        flash(ngettext("Nothing was imported: %(num)d line is invalid. Tick “Skip the invalid lines” to import "
                       "the others, or correct the file.",
                       "Nothing was imported: %(num)d lines are invalid. Tick “Skip the invalid lines” to import "
                       "the others, or correct the file.", error.rejected), "error")
        return render_template("coordinator/roster_preview.html", plan=plan, confirm=form, limit=DISPLAY_LIMIT), 422
    except ImportFailed:
        delete_upload(form.token.data)
        flash(gettext("Nothing was imported: accounts changed in the meantime. Upload the file again."), "error")
        return redirect(url_for("coordinator.roster"))
    delete_upload(form.token.data)
    flash(gettext("Roster imported: %(created)d students created, %(updated)d updated, %(unchanged)d unchanged, "
                  "%(skipped)d invalid lines skipped; %(invited)d invitations sent.",
                  created=result.created, updated=result.updated, unchanged=result.unchanged,
                  skipped=result.skipped, invited=result.invited), "success")
    if result.invitations_pending:
        flash(_("%(n)d invitations will be sent by the scheduled invitation job (flask users invite --pending).",
                n=result.invitations_pending), "info")
    return redirect(url_for("coordinator.roster"))


@bp.app_template_filter("roster_reason")
def reason_text(reason: Reason) -> str:
    """A rejection reason in the page's language (field names translated too)."""
    params = {key: gettext(value) if key == "field" else value for key, value in reason.params.items()}
    return gettext(reason.template) % params if params else gettext(reason.template)


@bp.app_template_global("roster_field_label")
def field_label(name: str) -> str:
    """The translated label of a roster field."""
    return gettext(FIELD_LABELS.get(name, name))


@bp.app_template_global("roster_fields")
def roster_fields() -> tuple[str, ...]:
    """The roster fields in display order."""
    return FIELDS


# --- the uploaded file, kept on the server until confirmed ---------------------------------------

def upload_dir() -> Path:
    """The private folder of pending uploads (``ROSTER_UPLOAD_DIR``, else ``instance/roster-uploads``)."""
    folder = Path(current_app.config.get("ROSTER_UPLOAD_DIR") or Path(current_app.instance_path) / "roster-uploads")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def store_upload(data: bytes, name: str) -> tuple[str, str]:
    """Keep ``data`` under a new random token for the current user; return the token and its SHA-256."""
    folder = upload_dir()
    purge_uploads(folder)
    token = secrets.token_urlsafe(32)
    digest = hashlib.sha256(data).hexdigest()
    _write_private(folder / f"{token}.csv", data)
    meta = {"user_id": current_user.id, "name": name, "sha256": digest, "stored_at": time.time()}
    _write_private(folder / f"{token}.json", json.dumps(meta).encode())
    return token, digest


def load_upload(token: str, digest: str) -> tuple[bytes, str] | None:
    """The bytes and file name stored under ``token``, or None when the token is unknown, expired,
    someone else's, or the data does not match ``digest``."""
    if not re.fullmatch(TOKEN_PATTERN, token or ""):
        return None
    folder = upload_dir()
    try:
        meta = json.loads((folder / f"{token}.json").read_text())
        data = (folder / f"{token}.csv").read_bytes()
    except (OSError, ValueError):
        return None
    fresh = time.time() - float(meta.get("stored_at", 0)) < UPLOAD_MAX_AGE
    actual = hashlib.sha256(data).hexdigest()
    if not fresh or meta.get("user_id") != current_user.id or not hmac.compare_digest(actual, digest or "") \
            or not hmac.compare_digest(actual, str(meta.get("sha256", ""))):
        return None
    return data, str(meta.get("name", ""))


def delete_upload(token: str) -> None:
    """Remove the upload ``token`` (a no-op for a malformed or unknown token)."""
    if not re.fullmatch(TOKEN_PATTERN, token or ""):
        return
    folder = upload_dir()
    for suffix in (".csv", ".json"):
        (folder / f"{token}{suffix}").unlink(missing_ok=True)


def purge_uploads(folder: Path) -> None:
    """Delete pending uploads older than :data:`UPLOAD_MAX_AGE`."""
    limit = time.time() - UPLOAD_MAX_AGE
    for path in folder.iterdir():
        try:
            if path.suffix in (".csv", ".json") and path.stat().st_mtime < limit:
                path.unlink(missing_ok=True)
        except OSError:
            continue


def _write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to a new file readable by the application's user only."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)


def _file_name(filename: str | None) -> str:
    """The base name of an uploaded file, for the audit log and the pages."""
    name = PurePosixPath((filename or "").replace("\\", "/")).name
    return name[:200] or "roster.csv"
