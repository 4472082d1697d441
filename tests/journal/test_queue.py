"""The sync queue in the journal: who may push what, in which order, and the supervisor's decisions on it."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from pwa import db, journal as store
from pwa.models import AuditEntry
from tests.conftest import Api, new_action


def at(minutes: int) -> str:
    moment = datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc) + timedelta(minutes=minutes)
    return moment.isoformat().replace("+00:00", "Z")


@pytest.fixture
def supervisor(client) -> Api:
    return Api(client, device_id="store-tab-1").login("supervisor")


@pytest.fixture
def queue(app):
    """A worker's hold on the queue, and the journal session it claims with."""
    with app.app_context():
        with store.queue_lock(db.engine()) as lock:
            yield db.session(), lock


def enqueue(device: Api, *actions: dict) -> list[str]:
    assert {r["status"] for r in device.results(*actions)} == {"accepted"}
    return [action["id"] for action in actions]


def finish(session, action_id: str, status: str, **kw) -> None:
    store.finish(session, [store.PushResult(action_id, status, **kw)])


@pytest.mark.both_databases
def test_claim_takes_each_locations_oldest_run_of_one_type(supervisor, queue):
    session, lock = queue
    ward = enqueue(supervisor, new_action("issue", "WARD-4B", created_at=at(2)),
                   new_action("issue", "WARD-4B", created_at=at(1)),
                   new_action("count", "WARD-4B", created_at=at(3)),
                   new_action("issue", "WARD-4B", created_at=at(4)))
    icu = enqueue(supervisor, new_action("waste", "ICU", created_at=at(0)))
    claimed = store.claim(session, lock, limit=50)
    assert [a.id for a in claimed] == [icu[0], ward[1], ward[0]]  # made first goes first; the count waits
    assert all(a.attempts == 1 and a.first_attempt for a in claimed)
    assert store.claim(session, lock, limit=50) == []  # the location's head is syncing: nothing overtakes it
    for action in claimed:
        finish(session, action.id, "synced", refs={"picking": 1})
    assert [a.id for a in store.claim(session, lock, limit=50)] == [ward[2]]


@pytest.mark.both_databases
def test_an_action_waiting_to_retry_holds_back_its_location_only(supervisor, queue):
    session, lock = queue
    ward = enqueue(supervisor, new_action("issue", "WARD-4B", created_at=at(1)),
                   new_action("issue", "WARD-4B", created_at=at(2)))
    icu = enqueue(supervisor, new_action("issue", "ICU", created_at=at(3)))
    first = store.claim(session, lock, limit=1)
    assert [a.id for a in first] == [ward[0]]
    finish(session, ward[0], "retrying", error="Odoo cannot be reached",
           next_attempt_at=datetime.now(timezone.utc) + timedelta(minutes=5))
    assert [a.id for a in store.claim(session, lock, limit=50)] == [icu[0]]
    later = datetime.now(timezone.utc) + timedelta(minutes=6)
    claimed = store.claim(session, lock, limit=50, now=later)
    assert [a.id for a in claimed] == ward and claimed[0].attempts == 2 and not claimed[0].first_attempt


@pytest.mark.both_databases
def test_an_action_needing_attention_does_not_block_the_ones_after_it(supervisor, queue):
    session, lock = queue
    ward = enqueue(supervisor, new_action("issue", "WARD-4B", created_at=at(1)),
                   new_action("issue", "WARD-4B", created_at=at(2)))
    store.claim(session, lock, limit=1)
    finish(session, ward[0], "needs_attention", error="GWN-M is not a product in Odoo")
    assert [a.id for a in store.claim(session, lock, limit=50)] == [ward[1]]


@pytest.mark.both_databases
def test_an_action_left_syncing_by_a_dead_worker_is_claimed_again(app, supervisor):
    ids = enqueue(supervisor, new_action("issue", "WARD-4B"))
    with app.app_context():
        with store.queue_lock(db.engine()) as lock:
            assert [a.id for a in store.claim(db.session(), lock)] == ids
        # the worker dies here: its lock goes with it, the action stays `syncing`
        with store.queue_lock(db.engine()) as lock:
            again = store.claim(db.session(), lock)
    assert [a.id for a in again] == ids and again[0].attempts == 2


@pytest.mark.both_databases
def test_a_result_never_overwrites_a_supervisors_decision(supervisor, queue):
    session, lock = queue
    action_id, = enqueue(supervisor, new_action("issue", "WARD-4B"))
    store.claim(session, lock)
    finish(session, action_id, "retrying", error="timeout")
    store.void(session, action_id, "supervisor", "entered twice on the ward")
    assert store.finish(session, [store.PushResult(action_id, "synced", refs={})]) == 0
    assert store.find(session, action_id).status == "voided"


@pytest.mark.both_databases
def test_supervisor_retry_void_and_resolve_are_audited(supervisor, queue):
    session, lock = queue
    first, second, third = enqueue(supervisor, *(new_action("issue", code) for code in ("WARD-4B", "ICU", "OR")))
    store.claim(session, lock)
    for action_id in (first, second, third):
        finish(session, action_id, "needs_attention", error="SYR-10ML is not a product in Odoo")
    assert store.retry(session, first, "supervisor", "product created in Odoo").status == "received"
    voided = store.void(session, second, "supervisor", "a test scan")
    assert (voided.status, voided.resolved_by, voided.resolution) == ("voided", "supervisor", "a test scan")
    assert store.resolve(session, third, "supervisor", "charged by hand in Odoo").status == "resolved"
    events = session.scalars(select(AuditEntry).where(AuditEntry.subject.in_([first, second, third]))
                             .order_by(AuditEntry.id)).all()
    assert [(e.event, e.actor, e.before["status"], e.after["status"]) for e in events] == [
        ("action_retried", "supervisor", "needs_attention", "received"),
        ("action_voided", "supervisor", "needs_attention", "voided"),
        ("action_resolved", "supervisor", "needs_attention", "resolved")]
    assert events[0].role == "supervisor" and events[1].reason == "a test scan"
    with pytest.raises(store.SupervisorError, match="is voided"):
        store.retry(session, second, "supervisor")
    with pytest.raises(store.SupervisorError, match="Say why"):
        store.void(session, first, "supervisor", " ")


@pytest.mark.both_databases
def test_two_workers_share_the_queue_without_sharing_an_action(app, supervisor, backend):
    """Two workers claiming at once: on PostgreSQL both work (different locations); on SQLite the second waits."""
    codes = ("WARD-4B", "ICU", "OR", "ED")
    ids = enqueue(supervisor, *(new_action("issue", code, created_at=at(i)) for i, code in
                                enumerate(codes * 5)))
    taken: list[str] = []  # every claim, in the order claims happened
    guard = threading.Lock()
    barrier = threading.Barrier(2)

    def work() -> None:
        with app.app_context():
            session = db.session()
            barrier.wait()
            with store.queue_lock(db.engine()) as lock:
                while claimed := store.claim(session, lock, limit=3):
                    with guard:
                        taken.extend(a.id for a in claimed)
                    store.finish(session, [store.PushResult(a.id, "synced", refs={}) for a in claimed])
                    lock.release_locations()
    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(taken) == sorted(ids)  # each action claimed exactly once
    for code in codes:  # and each location's actions in the order they were made
        made = [i for i, action_code in zip(ids, codes * 5) if action_code == code]
        assert [i for i in taken if i in made] == made
