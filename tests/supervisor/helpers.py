"""Small builders for the desk's tests: a signed-in page client per user, and journal rows in a given state."""
from __future__ import annotations

import json

from sqlalchemy import select

from pwa.models import Action, Location, User
from tests.conftest import csrf_token, sign_in


def page_client(app, login: str):
    client = app.test_client()
    response = sign_in(client, login)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def post_form(client, path: str, data: dict | None = None, page: str = "/supervisor/", htmx: bool = False):
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(path, data={"csrf_token": csrf_token(client, page), **(data or {})}, headers=headers)


def add_user(journal, login: str, roles: str, *codes: str) -> User:
    demo_hash = journal.scalar(select(User.password_hash).where(User.login == "nurse"))
    user = User(login=login, password_hash=demo_hash, roles=roles,
                locations=list(journal.scalars(select(Location).where(Location.code.in_(codes)))))
    journal.add(user)
    journal.commit()
    return user


def set_status(journal, action_id: str, status: str, **values) -> Action:
    journal.expire_all()
    action = journal.scalar(select(Action).where(Action.id == action_id))
    action.status = status
    for name, value in values.items():
        setattr(action, name, value)
    journal.commit()
    return action


def stored(journal, action_id: str) -> Action:
    journal.expire_all()
    return journal.scalar(select(Action).where(Action.id == action_id))


def payload_of(action: Action) -> dict:
    return json.loads(action.payload)
