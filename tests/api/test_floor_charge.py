"""Floor charges (supplies charged to the department, no patient) only for the roles the hospital's policy names
(FLOOR_CHARGE_ROLES); everyone else must name the patient's encounter."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from pwa.config import ConfigError, from_environment
from pwa.models import Action
from tests.conftest import Api, new_action


@pytest.fixture
def supervisors_only(app):
    app.config["FLOOR_CHARGE_ROLES"] = ("supervisor",)


def test_by_default_nurses_and_supervisors_may_floor_charge(client, nurse, journal):
    supervisor = Api(client, "ward-4b-tab-2").login("supervisor")
    first = new_action("issue", floor_charge=True)
    second = new_action("issue", "ICU", floor_charge=True)
    assert [r["status"] for r in nurse.results(first) + supervisor.results(second)] == ["accepted", "accepted"]
    assert journal.scalar(select(Action).where(Action.id == first["id"])).encounter is None


def test_a_role_the_policy_leaves_out_must_name_the_encounter(supervisors_only, nurse, journal):
    floor = new_action("issue", floor_charge=True)
    give_back = new_action("return", floor_charge=True, lines=[{"product": "BAN-5CM", "qty": 1}])
    patient = new_action("issue", encounter="ENC-2026-000124")
    results = nurse.results(floor, give_back, patient)
    assert [(r["status"], r.get("reason")) for r in results] == [
        ("rejected", "floor_charge_not_allowed"), ("rejected", "floor_charge_not_allowed"), ("accepted", None)]
    assert "scan the patient's encounter number" in results[0]["message"]
    assert [a.id for a in journal.scalars(select(Action))] == [patient["id"]]


def test_an_encounter_wins_over_a_floor_charge_flag(supervisors_only, nurse):
    both = new_action("issue", encounter="ENC-2026-000125", floor_charge=True)
    assert nurse.results(both)[0]["status"] == "accepted"


def test_the_policy_is_read_from_the_environment(tmp_path):
    settings = from_environment({"FLOOR_CHARGE_ROLES": "supervisor, requester"}, tmp_path)
    assert settings["FLOOR_CHARGE_ROLES"] == ("supervisor", "requester")
    assert from_environment({}, tmp_path)["FLOOR_CHARGE_ROLES"] == ("requester", "supervisor")
    with pytest.raises(ConfigError, match="FLOOR_CHARGE_ROLES names roles that do not exist: nurse"):
        from_environment({"FLOOR_CHARGE_ROLES": "nurse"}, tmp_path)
