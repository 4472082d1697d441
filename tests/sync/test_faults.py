"""Odoo misbehaving: down, slow, failing with 500s, losing the session, refusing, dropping the line after doing
the work. Each ends in the right status, with nothing lost and nothing made twice. (Against the double only.)
"""
from __future__ import annotations

from pwa import journal as store

from .conftest import new_action, record, sync
from .world import unique


def row(journal, action_id):
    journal.expire_all()
    return store.find(journal, action_id)


def issue(encounter: str | None = None) -> dict:
    return new_action("issue", "WARD-4B", [{"product": "BAN-5CM", "qty": 1}, {"product": "GLV-N-M", "qty": 2}],
                      encounter=encounter or unique("ENC"))


def assert_pushed_once(world, action: dict) -> None:
    picking, = world.pickings(action["id"])
    assert picking["state"] == "done"
    assert sorted(line["quantity"] for line in world.move_lines(picking["id"])) == [1.0, 2.0]
    charged, = world.invoice_lines(action["id"])
    assert charged["quantity"] == 1.0


def test_odoo_down_for_a_while_then_back(supervisor, runner, journal, world, faults, odoo):
    first, second = record(supervisor, issue(), issue())
    odoo.double.go_down()
    result = sync(runner, "--retry-base", "60")
    assert "0 synced" in result.output
    waiting = row(journal, first["id"])
    assert waiting.status == "retrying" and waiting.next_attempt_at is not None
    assert "cannot be reached" in waiting.last_error  # visible to the supervisor, with the reason
    assert row(journal, second["id"]).status == "retrying"
    odoo.double.come_up()
    for action in (first, second):
        store.retry(journal, action["id"], "supervisor", "Odoo is back")  # or wait for the retry to fall due
    sync(runner)
    for action in (first, second):
        assert row(journal, action["id"]).status == "synced"
        assert_pushed_once(world, action)


def test_a_timeout_after_odoo_did_the_work_is_not_done_twice(supervisor, runner, journal, world, faults):
    action, = record(supervisor, issue())
    faults.delay = 1.0  # every call is slower than the client waits, and still committed by Odoo
    sync(runner, "--timeout", "0.3", "--retry-base", "60")
    assert row(journal, action["id"]).status == "retrying"
    assert "did not answer in time" in row(journal, action["id"]).last_error
    faults.delay = 0
    store.retry(journal, action["id"], "supervisor")
    sync(runner)
    assert row(journal, action["id"]).status == "synced"
    assert_pushed_once(world, action)


def test_http_500s_are_retried(supervisor, runner, journal, world, faults):
    action, = record(supervisor, issue())
    faults.http_500 = 3
    sync(runner)
    synced = row(journal, action["id"])
    assert synced.status == "synced" and synced.attempts > 1
    assert_pushed_once(world, action)


def test_an_expired_session_is_renewed_without_a_retry(supervisor, runner, journal, world, faults):
    action, = record(supervisor, issue())
    faults.expire_sessions = 1
    sync(runner)
    synced = row(journal, action["id"])
    assert (synced.status, synced.attempts) == ("synced", 1)
    assert_pushed_once(world, action)


def test_a_dropped_answer_after_each_step_resumes_where_it_stopped(supervisor, runner, journal, world, faults):
    steps = [("stock.picking", "create"), ("stock.move.line", "create"), ("stock.picking", "button_validate"),
             ("res.partner", "create"), ("account.move", "create"), ("account.move.line", "create")]
    for model, method in steps:
        action, = record(supervisor, issue())
        faults.crash_after(model, method)  # Odoo commits, the worker never hears back
        sync(runner)  # the retry is due at once: this run resumes
        done = row(journal, action["id"])
        assert done.status == "synced" and done.attempts == 2, (model, method, done.last_error)
        assert_pushed_once(world, action)


def test_a_permanent_refusal_needs_attention_and_spares_the_rest(supervisor, runner, journal, world, faults):
    first, refused, third = record(supervisor, issue(), new_action("waste", "ICU", [{"product": "GLV-N-M", "qty": 1,
                                                                                       "reason": "dropped"}]),
                                   issue())
    faults.reject[("stock.scrap", "do_scrap")] = "The stock period is closed."
    sync(runner)
    refused_row = row(journal, refused["id"])
    assert refused_row.status == "needs_attention"
    assert "The stock period is closed." in refused_row.last_error
    for action in (first, third):
        assert row(journal, action["id"]).status == "synced"
    faults.reject.clear()
    store.retry(journal, refused["id"], "supervisor", "period reopened")
    sync(runner)
    assert row(journal, refused["id"]).status == "synced"
    scrap, = world.scraps(refused["id"])  # the draft scrap of the refused attempt is found and finished, once
    assert scrap["state"] == "done"


def test_one_bad_action_in_a_batch_is_found_by_pushing_one_by_one(supervisor, runner, journal, world, faults):
    good = [issue() for _ in range(3)]
    bad = issue()
    record(supervisor, good[0], bad, good[1], good[2])

    def holds_the_bad_one(env, args, kwargs):
        ids = args[0] if args else kwargs.get("ids", [])
        return any(env.get("stock.picking", pid)["origin"] == f"WS:{bad['id']}" for pid in ids)
    faults.reject[("stock.picking", "button_validate")] = ("Serial number already consumed.", holds_the_bad_one)
    sync(runner)
    refused = row(journal, bad["id"])
    assert refused.status == "needs_attention" and "Serial number already consumed." in refused.last_error
    for action in good:
        assert row(journal, action["id"]).status == "synced"
        assert_pushed_once(world, action)
