"""The per-process caches of the student pages (issue #9) never show stale content.

- the published curriculum is kept as a snapshot, checked against the latest content sync on
  every request: a sync (from any worker, server or CLI) shows on the next request;
- decoded quizzes are cached per quiz version, in a bounded LRU;
- the templates' ``_``/``gettext``/``ngettext`` follow the request's language, ``force_locale``
  and autoescaping like Flask-Babel's.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from flask_babel import force_locale

from cyberaware import create_app
from cyberaware.content.model import Quiz
from cyberaware.extensions import db
from cyberaware.services import curriculum
from cyberaware.services.attempts import QuizCache
from cyberaware.services.content_sync import sync_content
from tests.conftest import _config, csrf_token
from tests.web.test_query_counts import counting


def write_content(root: Path, titles: dict[str, str], quiz_title: str = "Quiz A") -> Path:
    """One French module per ``slug: title`` (module ``a`` has a quiz)."""
    (root / "modules").mkdir(parents=True, exist_ok=True)
    (root / "quizzes").mkdir(exist_ok=True)
    for path in (root / "modules").glob("*.md"):
        path.unlink()
    for order, (slug, title) in enumerate(titles.items()):
        (root / "modules" / f"{slug}.md").write_text(
            f"---\nid: {slug}\ntitle: {title}\nlang: fr\norder: {order}\n---\nTexte de {slug}.\n", encoding="utf-8")
    (root / "quizzes" / "qa.md").write_text(
        f"---\nid: qa\nmodule: a\ntitle: {quiz_title}\nlang: fr\npass: 50%\n---\n"
        "### Le ciel est bleu <!-- id=sky -->\n\n- [x] Vrai\n- [ ] Faux\n", encoding="utf-8")
    return root


def sync(app: Any, root: Path) -> None:
    with app.app_context():
        assert sync_content(root).succeeded


@pytest.fixture
def student(app, client, auth, make_user):
    user = make_user("student")
    auth.login(user.email)
    return user


def test_a_sync_shows_on_the_next_request(app, client, student, tmp_path):
    root = write_content(tmp_path / "c", {"a": "Premier titre", "b": "Module B"})
    sync(app, root)
    assert "Premier titre" in client.get("/learn/").get_data(as_text=True)
    assert "Premier titre" in client.get("/learn/").get_data(as_text=True)  # from the snapshot

    sync(app, write_content(root, {"a": "Titre changé", "b": "Module B", "c": "Module C"}))
    html = client.get("/learn/").get_data(as_text=True)
    assert "Titre changé" in html and "Premier titre" not in html and "Module C" in html
    assert client.get("/learn/modules/c").status_code == 200

    sync(app, write_content(root, {"a": "Titre changé"}))  # b and c archived
    html = client.get("/learn/").get_data(as_text=True)
    assert "Module B" not in html and "Module C" not in html
    assert client.get("/learn/modules/c").status_code == 404


def test_a_sync_by_another_app_instance_shows_too(app, client, student, tmp_path, database):
    """Another worker or server (here: another app on the same database) syncs: this process's
    snapshot is replaced on its next request, without any message between them."""
    root = write_content(tmp_path / "c", {"a": "Avant", "b": "Module B"})
    sync(app, root)
    assert "Avant" in client.get("/learn/modules/a").get_data(as_text=True)

    other = create_app(_config(database, CONTENT_DIR=str(root)))
    sync(other, write_content(root, {"a": "Après", "b": "Module B"}))
    with other.app_context():
        db.engine.dispose()

    assert "Après" in client.get("/learn/").get_data(as_text=True)
    assert "Après" in client.get("/learn/modules/a").get_data(as_text=True)


def test_an_unchanged_curriculum_is_not_read_again(app, client, student, tmp_path):
    sync(app, write_content(tmp_path / "c", {"a": "Module A", "b": "Module B"}))
    client.get("/learn/")
    with counting(app) as statements:
        assert client.get("/learn/").status_code == 200
    assert not any("module_translations" in s for s in statements), statements
    assert any("content_syncs" in s for s in statements)  # the version check


def test_the_snapshot_is_rebuilt_when_the_database_was_emptied_and_synced_again(app, client, student, tmp_path):
    """Sync ids restart after a reset (tests, restored backups): the start time tells them apart."""
    from tests.conftest import empty_all_tables

    sync(app, write_content(tmp_path / "c", {"a": "Ancien"}))
    with app.app_context():
        before = curriculum.curriculum()
        db.session.rollback()  # end the read before emptying the tables (PostgreSQL locks)
        empty_all_tables(db)
        assert sync_content(write_content(tmp_path / "c", {"a": "Nouveau"})).succeeded
        after = curriculum.curriculum()
    assert before.token != after.token
    assert [m.translation("fr").title for m in after.modules] == ["Nouveau"]


def test_the_snapshot_holds_what_the_pages_show(app, tmp_path):
    sync(app, write_content(tmp_path / "c", {"a": "Module A", "b": "Module B"}))
    with app.app_context():
        modules = curriculum.published_modules()
    assert [m.slug for m in modules] == ["a", "b"]
    first = modules[0]
    assert first.translation("en").title == "Module A"  # French when not translated
    assert first.quiz is not None and first.quiz.slug == "qa"
    assert first.quiz.current_version is not None and first.quiz.current_version.pass_ratio == 0.5
    assert modules[1].quiz is None
    with pytest.raises(AttributeError):
        first.slug = "other"  # type: ignore[misc]  # shared between requests: immutable


def test_quiz_cache_is_bounded_and_keyed_by_version_content():
    cache = QuizCache(maxsize=2)
    data = Quiz(id="q", module="m", title="T", lang="fr", path="q.md", pass_ratio=0.5).to_dict()

    def version(ident: int, content_hash: str = "h") -> Any:
        return SimpleNamespace(id=ident, content_hash=content_hash, data={"fr": data})

    first = cache.get(version(1), "fr")
    assert cache.get(version(1), "fr") is first
    assert cache.get(version(1, "other"), "fr") is not first  # same id, other content (a reset database)
    cache.get(version(2), "fr")
    assert len(cache) == 2
    assert cache.get(version(1), "fr") is not first  # the least recently used entry was dropped


def test_quiz_pages_use_the_cache(app, client, student, tmp_path):
    from cyberaware.services.attempts import quiz_cache

    sync(app, write_content(tmp_path / "c", {"a": "Module A"}, quiz_title="Le quiz du module"))
    token = csrf_token(client, "/learn/modules/a")
    attempt_url = client.post("/learn/modules/a/quiz", data={"csrf_token": token}).headers["Location"]
    assert "Le quiz du module" in client.get(attempt_url).get_data(as_text=True)
    with counting(app) as statements:
        assert "Le quiz du module" in client.get(attempt_url).get_data(as_text=True)
    assert not any("quiz_versions.data" in s for s in statements), statements  # decoded once
    assert 0 < len(quiz_cache) <= quiz_cache.maxsize


def test_templates_follow_the_language_switch(app, client, student, tmp_path):
    sync(app, write_content(tmp_path / "c", {"a": "Module A"}))
    assert "<h1>Mes modules</h1>" in client.get("/learn/").get_data(as_text=True)
    client.post("/language/en", data={"csrf_token": csrf_token(client, "/learn/")})
    html = client.get("/learn/").get_data(as_text=True)
    assert "<h1>My modules</h1>" in html and 'lang="en"' in html
    client.post("/language/fr", data={"csrf_token": csrf_token(client, "/learn/")})
    assert "<h1>Mes modules</h1>" in client.get("/learn/").get_data(as_text=True)


def test_template_gettext_follows_force_locale_and_autoescape(app):
    html = app.jinja_env.from_string("{% autoescape true %}{{ _('My modules') }}|{{ _('%(x)s', x='<b>') }}|"
                                     "{{ ngettext('%(num)d question', '%(num)d questions', 2) }}{% endautoescape %}")
    text = app.jinja_env.from_string("{% autoescape false %}{{ _('%(x)s', x='<b>') }}|{{ _('Log in') }}"
                                     "{% endautoescape %}")
    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        assert html.render() == "Mes modules|&lt;b&gt;|2 questions"
        with force_locale("en"):
            assert html.render() == "My modules|&lt;b&gt;|2 questions"
            assert text.render() == "<b>|Log in"  # a text template (e-mails) is not escaped
        assert html.render().startswith("Mes modules|")
        assert text.render() == "<b>|Se connecter"
