"""Every route, every role: one table says who may use each endpoint, and the test checks it.

A route added without an entry in ACCESS makes ``test_every_route_has_an_access_rule`` fail.
"Allowed" means the guard let the request through (any answer but 401, 403 or a redirect to the
login page — a 404 for a made-up id is fine); "denied" means 403 for a logged-in user and a
redirect to the login page for an anonymous visitor (401 for the token API).
"""

from __future__ import annotations

import pytest
from werkzeug.routing import Rule

from tests.conftest import AuthActions

ROLES = ("anonymous", "student", "instructor", "coordinator", "admin")
EVERYONE = set(ROLES)
LOGGED_IN = EVERYONE - {"anonymous"}
STUDENT = {"student"}
INSTRUCTOR = {"instructor", "admin"}
COORDINATOR = {"coordinator", "admin"}
STATISTICS = {"instructor", "coordinator", "admin"}
ADMIN = {"admin"}
TOKEN = "token"  # bearer-token API: no session role is enough

ACCESS: dict[str, set[str] | str] = {
    "static": EVERYONE, "main.home": EVERYONE, "main.healthz": EVERYONE, "main.verify": EVERYONE,
    "main.content_asset": EVERYONE, "main.set_language": EVERYONE,
    "auth.login": EVERYONE, "auth.register": EVERYONE, "auth.reset_request": EVERYONE,
    "auth.reset_password": EVERYONE, "auth.verify_email": EVERYONE,
    "auth.logout": LOGGED_IN, "auth.settings": LOGGED_IN, "auth.my_data": LOGGED_IN,
    "auth.delete_account": STUDENT,
    "student.dashboard": STUDENT, "student.module": STUDENT, "student.mark_read": STUDENT,
    "student.start_quiz": STUDENT, "student.attempt": STUDENT, "student.attestation": STUDENT,
    "student.attestation_pdf": STUDENT, "student.expert_track": STUDENT, "student.expert_join": STUDENT,
    "student.expert_decline": STUDENT, "student.expert_withdraw": STUDENT,
    "instructor.index": INSTRUCTOR, "instructor.module_preview": INSTRUCTOR, "instructor.quiz_preview": INSTRUCTOR,
    "instructor.check": INSTRUCTOR,
    "analytics.index": STATISTICS, "analytics.quiz": STATISTICS, "analytics.quiz_csv": STATISTICS,
    "coordinator.index": COORDINATOR, "coordinator.dashboard": COORDINATOR, "coordinator.export": COORDINATOR,
    "coordinator.roster": COORDINATOR, "coordinator.roster_confirm": COORDINATOR,
    "coordinator.tokens": COORDINATOR, "coordinator.revoke_token": COORDINATOR,
    "coordinator.expert_list": COORDINATOR, "coordinator.expert_review": COORDINATOR,
    "coordinator.expert_export": COORDINATOR,
    "admin.index": ADMIN, "admin.change_role": ADMIN, "admin.scope": ADMIN, "admin.audit_log": ADMIN,
    "api.completion_export": TOKEN,
}

SAMPLE_VALUES = {"int": "999999", "path": "nothing.png", "default": "sample", "any": None}


def sample_url(rule: Rule) -> str:
    """The rule's URL with made-up values for its variables."""
    values = {}
    for name in rule.arguments:
        converter = rule._converters[name]  # noqa: SLF001 - werkzeug exposes no public accessor
        kind = type(converter).__name__.lower().replace("converter", "")
        if kind == "any":
            values[name] = sorted(converter.items)[0] if hasattr(converter, "items") else "students"
        elif kind == "integer":
            values[name] = 999999
        elif kind == "path":
            values[name] = "nothing.png"
        else:
            values[name] = "sample"
    try:
        return rule.build(values)[1]
    except Exception:  # noqa: BLE001 - any: converters keep their choices privately
        for choice in ("students.csv", "students", "csv"):
            try:
                return rule.build({**values, **{n: choice for n in rule.arguments if n not in ("slug",)}})[1]
            except Exception:  # noqa: BLE001
                continue
        raise


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": False}  # the guards are under test here; CSRF has its own test


@pytest.fixture
def clients(app, make_user):
    result = {"anonymous": app.test_client()}
    for role in ROLES[1:]:
        client = app.test_client()
        AuthActions(client).login(make_user(role).email)
        result[role] = client
    return result


def denied(role: str, response) -> bool:
    if role == "anonymous":
        return response.status_code in (302, 401) and (
            response.status_code == 401 or "/login" in response.headers.get("Location", ""))
    return response.status_code in (401, 403)


def test_every_route_has_an_access_rule(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - set(ACCESS) == set(), "new routes need an entry in ACCESS"
    assert set(ACCESS) - endpoints == set(), "ACCESS lists routes that no longer exist"


def test_every_route_answers_each_role_as_the_matrix_says(app, clients):
    problems = []
    for rule in app.url_map.iter_rules():
        allowed = ACCESS[rule.endpoint]
        if rule.endpoint in ("auth.logout", "auth.delete_account"):
            continue  # they end the session: checked below so the other checks keep their login
        url = sample_url(rule)
        method = "GET" if "GET" in rule.methods else "POST"
        for role, client in clients.items():
            try:
                response = client.open(url, method=method)
                response.close()  # a streamed export keeps its request context until closed
            except Exception as error:  # noqa: BLE001 - report which route broke
                raise AssertionError(f"{method} {url} as {role}: {error!r}") from error
            if allowed == TOKEN:
                ok = response.status_code == 401  # no bearer token: refused whatever the session
            elif allowed == EVERYONE:
                ok = response.status_code not in (401, 403)  # public: may still redirect (bad link → login)
            elif role in allowed:
                ok = not denied(role, response)
            else:
                ok = denied(role, response)
            if not ok:
                problems.append(f"{method} {url} as {role}: {response.status_code}")
    assert problems == []


@pytest.mark.parametrize("role", ROLES)
def test_session_ending_routes(app, clients, role):
    logout = clients[role].post("/logout")
    if role == "anonymous":
        assert "/login" in logout.headers.get("Location", "")
    else:
        assert logout.status_code == 302 and clients[role].get("/settings").status_code == 302
    delete = app.test_client().get("/settings/delete-account")
    assert "/login" in delete.headers.get("Location", "")
