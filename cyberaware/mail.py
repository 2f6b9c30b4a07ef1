"""Outgoing e-mail: SMTP when configured, otherwise the development log."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app

log = logging.getLogger("cyberaware.mail")


def send_mail(to: str, subject: str, body: str) -> bool:
    """Send a plain-text message; return True when it left through SMTP.

    Without ``CYBERAWARE_SMTP_HOST`` the message is written to the log in development and tests
    (so a developer can follow links), and only a one-line notice in production: the body may hold
    a secret link, and secrets never go to production logs.
    """
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)

    if not config.get("MAIL_SERVER"):
        if current_app.debug or current_app.testing:
            log.info("SMTP not configured; e-mail not sent, shown here instead:\nTo: %s\nSubject: %s\n\n%s",
                     to, subject, body)
        else:
            log.warning("SMTP not configured (CYBERAWARE_SMTP_HOST); an e-mail was not sent")
        return False

    smtp_class = smtplib.SMTP_SSL if config.get("MAIL_USE_SSL") else smtplib.SMTP
    with smtp_class(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)
    return True
