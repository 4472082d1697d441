"""Transfers to departments as the catalog pull reports them: kept in the journal, served to the devices of the
locations they go to, changed only when Odoo's picture changes, archived when Odoo no longer reports them."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from pwa.models import Transfer
from pwa.transfers import TransferReport, on_order, open_transfers, record_transfers

REQUISITION = "3f1c0d2e-6a7b-4c8d-9e0f-1a2b3c4d5e6f"
MORNING = datetime(2026, 11, 23, 6, 0, tzinfo=timezone.utc)


def report(name="WH/INT/00012", location="WARD-4B", status="sent", lines=None, **fields) -> TransferReport:
    return TransferReport(name=name, location=location, status=status,
                          lines=lines if lines is not None else [{"ref": "SYR-10ML", "qty": 200}],
                          requisition=fields.pop("requisition", REQUISITION), scheduled_at=MORNING, **fields)


def catalog(nurse, since=None) -> dict:
    query = f"?since={since}" if since else ""
    response = nurse.get(f"/api/v1/catalog{query}")
    assert response.status_code == 200
    return response.get_json()


def test_reported_transfers_reach_the_devices_of_their_location_only(nurse, journal):
    counts = record_transfers(journal, [report(), report("WH/INT/00013", location="ICU")])
    journal.commit()
    assert counts == {"added": 2, "changed": 0, "archived": 2}  # the demo's deliveries: Odoo does not report them
    page = catalog(nurse)
    assert page["transfers"] == [{"name": "WH/INT/00012", "location": "WARD-4B", "requisition": REQUISITION,
                                  "status": "sent", "lines": [{"ref": "SYR-10ML", "qty": 200.0}],
                                  "scheduled_at": "2026-11-23T06:00:00+00:00", "done_at": None, "active": True}]
    assert [t.name for t in open_transfers(journal, "WARD-4B")] == ["WH/INT/00012"]
    assert on_order(journal, "WARD-4B") == {"SYR-10ML": 200.0}


def test_an_unchanged_report_sends_nothing_new_and_a_change_or_archive_does(nurse, journal):
    record_transfers(journal, [report(), report("WH/INT/00014")])
    journal.commit()
    cursor = catalog(nurse, catalog(nurse)["cursor"])["cursor"]  # the first sync, then the demo's archived rows

    assert record_transfers(journal, [report(), report("WH/INT/00014")]) == {"added": 0, "changed": 0, "archived": 0}
    journal.commit()
    assert catalog(nurse, cursor)["transfers"] == []

    counts = record_transfers(journal, [report(status="on_its_way")])
    journal.commit()
    assert counts == {"added": 0, "changed": 1, "archived": 1}
    delta = {row["name"]: (row["status"], row["active"]) for row in catalog(nurse, cursor)["transfers"]}
    assert delta == {"WH/INT/00012": ("on_its_way", True), "WH/INT/00014": ("sent", False)}
    assert on_order(journal, "WARD-4B") == {"SYR-10ML": 200.0}

    record_transfers(journal, [report(status="arrived", done_at=MORNING)])
    journal.commit()
    assert open_transfers(journal, "WARD-4B") == []
    assert on_order(journal, "WARD-4B") == {}


def test_transfers_to_unknown_locations_are_skipped_and_counters_never_see_any(client, journal):
    from tests.conftest import Api

    record_transfers(journal, [report(location="NOWHERE"), report("WH/INT/00015")])
    journal.commit()
    assert [row.name for row in journal.scalars(select(Transfer).where(Transfer.active))] == ["WH/INT/00015"]
    counter = Api(client, device_id="count-tab").login("counter")
    assert "transfers" not in counter.get("/api/v1/catalog").get_json()
