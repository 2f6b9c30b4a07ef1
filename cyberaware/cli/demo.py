"""`flask demo accounts`: development-only demo accounts."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from cyberaware.auth import service
from cyberaware.extensions import db
from cyberaware.models import Role

demo_cli = AppGroup("demo", help="Development-only demo data.")

DEMO_ACCOUNTS = [
    ("student@demo.cyberaware.test", Role.STUDENT, "Demo-Student-Passphrase-1", "Camille", "Étudiante"),
    ("instructor@demo.cyberaware.test", Role.INSTRUCTOR, "Demo-Instructor-Passphrase-1", "Dominique", "Formateur"),
    ("coordinator@demo.cyberaware.test", Role.COORDINATOR, "Demo-Coordinator-Passphrase-1", "Claude", "Coordinatrice"),
    ("admin@demo.cyberaware.test", Role.ADMIN, "Demo-Admin-Passphrase-1", "Alex", "Admin"),
]


@demo_cli.command("accounts")
def demo_accounts_command() -> None:
    """Create one demo account per role if missing, and print the credentials (development only)."""
    if not current_app.config.get("DEMO_ACCOUNTS_ALLOWED"):
        raise click.ClickException("demo accounts exist only in development (CYBERAWARE_ENV=development)")
    click.echo("Demo accounts (development only):")
    for email, role, password, first_name, last_name in DEMO_ACCOUNTS:
        if service.find_user_by_email(email) is None:
            service.create_user(email, role, password, first_name=first_name, last_name=last_name)
        click.echo(f"  {role:<12} {email:<36} {password}")
    db.session.commit()


DEMO_FACULTIES = [
    ("Faculté des sciences", "Licence Informatique"),
    ("Faculté de droit et de science politique", "Licence Droit"),
    ("IUT", "BUT Réseaux et télécommunications"),
    ("Faculté de médecine", "PASS"),
]


@demo_cli.command("cohort")
@click.option("--students", default=48, show_default=True, help="How many demo students to create.")
def demo_cohort_command(students: int) -> None:
    """Create demo students who took some quizzes through the real attempt service, so the
    dashboard, exports, expert track and statistics have something to show (development only;
    does nothing when demo students exist)."""
    import random

    import sqlalchemy as sa

    from cyberaware.models import QuizRecord, User
    from cyberaware.services import attempts as attempt_service

    if not current_app.config.get("DEMO_ACCOUNTS_ALLOWED"):
        raise click.ClickException("demo data exists only in development (CYBERAWARE_ENV=development)")
    if db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.email.like("demo.student%"))):
        click.echo("demo cohort already present")
        return
    quizzes = list(db.session.scalars(sa.select(QuizRecord).where(QuizRecord.archived_at.is_(None))
                                      .join(QuizRecord.module).order_by(sa.text("modules.position"))))
    rng = random.Random(2026)
    for index in range(students):
        faculty, programme = DEMO_FACULTIES[index % len(DEMO_FACULTIES)]
        user = service.create_user(f"demo.student{index:03d}@etu.univ-amu.fr", Role.STUDENT,
                                   first_name=f"Étudiant·e {index:03d}", last_name="Démo")
        user.student_number, user.faculty, user.programme = f"D{index:05d}", faculty, programme
        user.year_of_study, user.group_name = rng.choice(["L1", "L2", "L3"]), f"G{index % 3 + 1}"
        db.session.commit()
        ability = rng.random()
        for quiz in quizzes[: rng.randint(0, len(quizzes))]:
            attempt = attempt_service.start_or_resume(user, quiz, "fr", rng=rng)
            content = attempt_service.attempt_quiz(attempt)
            responses = {}
            for entry in attempt.layout:
                question = content.question(entry["id"])
                if question.type == "single" and rng.random() < 0.45 + 0.55 * ability:
                    responses[question.id] = next(i for i, o in enumerate(question.options) if o.correct)
                elif question.type == "multi" and rng.random() < 0.35 + 0.65 * ability:
                    responses[question.id] = [i for i, o in enumerate(question.options) if o.correct]
            attempt_service.submit(attempt, responses)
    click.echo(f"demo cohort: {students} students with quiz attempts")
