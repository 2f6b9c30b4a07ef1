"""The student's expert-track page: the rules in plain words, the invitation and consent."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from cyberaware.expert_rules import RulesFileError
from cyberaware.extensions import db
from cyberaware.models import ExpertFlag, User
from cyberaware.services import expert
from cyberaware.student.routes import bp

REFUSALS = {
    "not-qualified": lambda: _("The invitation is for students who meet every rule of the expert track."),
    "already-answered": lambda: _("You have already answered the invitation."),
    "not-joined": lambda: _("You have not joined the expert track."),
}


@bp.route("/expert-track")
def expert_track() -> str | tuple[str, int]:
    """The rules and which ones the student meets; the invitation when they qualify."""
    try:
        status = expert.student_status(current_user)
    except RulesFileError:
        return render_template("student/expert.html", status=None), 503
    db.session.commit()  # the flag may have been brought up to date
    return render_template("student/expert.html", status=status, lang=str(get_locale() or "fr"))


def _consent_change(change: Callable[[User], ExpertFlag], message: str) -> Response:
    try:
        change(current_user)
    except expert.ConsentRefused as refusal:
        db.session.rollback()
        flash(REFUSALS[refusal.reason](), "error")
    except RulesFileError:
        db.session.rollback()
        flash(_("The expert track is being updated. Try again later."), "error")
    else:
        db.session.commit()
        flash(message, "success")
    return redirect(url_for("student.expert_track"))


@bp.route("/expert-track/join", methods=["POST"])
def expert_join() -> Response:
    """Join the expert track (records the consent and its time)."""
    return _consent_change(expert.give_consent, _("You joined the expert track. Thank you!"))


@bp.route("/expert-track/decline", methods=["POST"])
def expert_decline() -> Response:
    """Decline the invitation."""
    return _consent_change(expert.decline, _("Noted: you did not join the expert track."))


@bp.route("/expert-track/withdraw", methods=["POST"])
def expert_withdraw() -> Response:
    """Withdraw the consent given earlier."""
    return _consent_change(expert.withdraw, _("Your consent is withdrawn: you left the expert track."))
