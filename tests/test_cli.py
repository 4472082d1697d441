"""Headless administration: users, locations and the demo seed, through `flask --app app …`."""
from sqlalchemy import select

from pwa.models import AuditEntry, Location, User
from tests.conftest import Api


def test_create_user_reads_password_from_stdin_and_can_sign_in(runner, client, journal):
    result = runner.invoke(args=["users", "create", "jo", "--role", "requester", "--location", "ICU",
                                 "--password-stdin"], input="correct horse\n")
    assert result.exit_code == 0, result.output
    user = journal.scalar(select(User).where(User.login == "jo"))
    assert user.role_list == ["requester"] and [loc.code for loc in user.locations] == ["ICU"]
    assert "correct horse" not in user.password_hash
    assert Api(client).login("jo", "correct horse").token
    assert journal.scalar(select(AuditEntry).where(AuditEntry.event == "user_created")).subject == "jo"


def test_create_user_refuses_short_password_unknown_location_and_duplicates(runner):
    short = runner.invoke(args=["users", "create", "jo", "--role", "requester", "--password-stdin"], input="abc\n")
    assert short.exit_code != 0 and "at least 8" in short.output
    unknown = runner.invoke(args=["users", "create", "jo", "--role", "requester", "--location", "MARS",
                                  "--password-stdin"], input="long enough\n")
    assert unknown.exit_code != 0 and "Unknown location code: MARS" in unknown.output
    again = runner.invoke(args=["users", "create", "nurse", "--role", "requester", "--password-stdin"],
                          input="long enough\n")
    assert again.exit_code != 0 and "already exists" in again.output


def test_grant_adds_locations(runner, journal):
    assert runner.invoke(args=["users", "grant", "nurse", "ICU", "OR"]).exit_code == 0
    journal.expire_all()
    nurse = journal.scalar(select(User).where(User.login == "nurse"))
    assert [loc.code for loc in nurse.locations] == ["ICU", "OR", "WARD-4B"]


def test_disable_blocks_sign_in(runner, client):
    assert runner.invoke(args=["users", "disable", "nurse"]).exit_code == 0
    response = client.post("/api/v1/login", json={"login": "nurse", "password": "demo", "device_id": "t"})
    assert response.status_code == 401


def test_demo_is_never_seeded_over_data(runner, journal):
    refused = runner.invoke(args=["seed", "demo"])
    assert refused.exit_code != 0 and "only into an empty database" in refused.output
    quiet = runner.invoke(args=["seed", "demo", "--if-empty"])
    assert quiet.exit_code == 0 and "not loaded" in quiet.output
    assert journal.query(Location).count() == 7
