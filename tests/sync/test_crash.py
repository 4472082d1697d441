"""Exactly once under crashes: the worker runs as its own process (forked from `zygote.py`, which has the app
imported already) and is killed (SIGKILL) at random moments while it pushes — on a timer after it has claimed, or, against the double, right after Odoo committed a create — then
restarted; at the end the queue is drained and every action must have made its Odoo effect exactly once.

CRASH_TRIALS (default 50) sets the number of kills; CRASH_SEED replays a run.
"""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, text

from pwa import journal as store

from .conftest import new_action, record, sync
from .world import unique

ROOT = Path(__file__).resolve().parents[2]
TRIALS = int(os.environ.get("CRASH_TRIALS", "50"))
DEPARTMENTS = ("WARD-4B", "ICU", "OR", "ED")
# Creates the double can crash right after (committed, then the line drops and the worker is killed)
CRASH_POINTS = [("stock.picking", "create"), ("stock.move.line", "create"), ("stock.picking", "button_validate"),
                ("stock.picking", "action_confirm"), ("account.move.line", "create"), ("account.move", "create"),
                ("res.partner", "create"), ("stock.scrap", "create"), ("stock.scrap", "do_scrap"),
                ("stock.lot", "create"), ("stock.quant", "create"), ("stock.quant", "action_apply_inventory")]


def random_action(rng: random.Random) -> dict:
    code = rng.choice(DEPARTMENTS)
    kind = rng.choice(["issue", "issue", "issue", "waste", "requisition", "count", "return"])
    if kind == "issue":
        lines = [{"product": "BAN-5CM", "qty": rng.randint(1, 3)},
                 {"product": "SYR-10ML", "qty": rng.randint(1, 2), "lot": unique("L")}]
        if rng.random() < 0.5:
            lines.append({"product": "GLV-N-M", "qty": 2})
        return new_action("issue", code, lines, encounter=unique("ENC"))
    if kind == "waste":
        return new_action("waste", code, [{"product": "GLV-N-M", "qty": rng.randint(1, 5), "reason": "dropped"}])
    if kind == "requisition":
        return new_action("requisition", code, [{"product": "BAN-5CM", "qty": 12}, {"product": "GLV-N-M", "qty": 50}])
    if kind == "count":
        return new_action("count", code, [{"product": "SAL-100MLBAG", "qty": rng.randint(0, 9), "lot": unique("C")},
                                          {"product": "GLV-N-M", "qty": rng.randint(10, 90)}])
    return new_action("return", code, [{"product": "BAN-5CM", "qty": 1}], encounter=unique("ENC"))


def worker_environment(database_url: str, odoo) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith("ODOO_")}
    env.update(DATABASE_URL=database_url, SECRET_KEY="test-secret-key-not-for-production",
               ODOO_URL=odoo.settings.url, ODOO_DB=odoo.settings.db, ODOO_USER=odoo.settings.user,
               ODOO_PASSWORD=odoo.settings.password, PYTHONUNBUFFERED="1")
    return env


class Workers:
    """Worker processes forked by `zygote.py`, which imports the app once so that each start is quick."""

    def __init__(self, env: dict):
        self.zygote = subprocess.Popen([sys.executable, "-m", "tests.sync.zygote"], cwd=ROOT, env=env, text=True,
                                       stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)

    def start(self) -> int:
        self.zygote.stdin.write("fork\n")
        self.zygote.stdin.flush()
        return int(self.zygote.stdout.readline())

    def close(self) -> None:
        self.zygote.stdin.close()
        self.zygote.wait(timeout=30)


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie is dead, not yet reaped
    except FileNotFoundError:
        return False


def kill(pid: int) -> None:
    if alive(pid):
        os.kill(pid, signal.SIGKILL)


def wait_for_claim(engine, ids: list[str], pid: int, seconds: float = 30.0, until_done: bool = False) -> bool:
    """True once the worker has claimed one of `ids` (it is pushing), False if it finished them all first (or
    died). With `until_done`, waits instead for the worker to die or finish them."""
    deadline = time.monotonic() + seconds
    marks = ", ".join(f"'{i}'" for i in ids)
    while time.monotonic() < deadline and alive(pid):
        with engine.connect() as connection:
            statuses = connection.execute(text(f"SELECT status FROM actions WHERE id IN ({marks})")).scalars().all()
        if "syncing" in statuses and not until_done:
            return True
        if statuses and all(status == "synced" for status in statuses):
            return False
        time.sleep(0.005)
    return False


def test_killing_the_worker_at_random_moments_never_loses_or_doubles_an_effect(supervisor, runner, journal, world,
                                                                                odoo, database_url):
    seed = int(os.environ.get("CRASH_SEED", random.randrange(1_000_000)))
    rng = random.Random(seed)
    env = worker_environment(database_url, odoo)
    engine = create_engine(database_url)
    made: list[dict] = []
    mid_push = 0
    workers = Workers(env)
    for _trial in range(TRIALS):
        actions = record(supervisor, *(random_action(rng) for _ in range(rng.randint(1, 4))))
        made.extend(actions)
        pid = workers.start()
        if odoo.double and rng.random() < 0.5:
            model, method = rng.choice(CRASH_POINTS)
            odoo.double.faults.crash_after(model, method, nth=rng.randint(1, 2), hook=lambda p=pid: kill(p))
        ids = [a["id"] for a in actions]
        if wait_for_claim(engine, ids, pid):
            mid_push += 1
            if odoo.double is None or odoo.double.faults.after_call is None:
                time.sleep(rng.uniform(0, 0.15 if odoo.double else 1.5))  # a real Odoo answers slower
            else:  # until the crash point is reached, or the push ends without reaching it
                wait_for_claim(engine, ids, pid, seconds=3, until_done=True)
        kill(pid)
        if odoo.double:
            odoo.double.faults.clear()
    workers.close()
    engine.dispose()
    sync(runner)  # restart and drain
    journal.expire_all()
    unfinished = [(a["id"], store.find(journal, a["id"]).status, store.find(journal, a["id"]).last_error)
                  for a in made if store.find(journal, a["id"]).status != "synced"]
    assert unfinished == [], f"seed {seed}"
    for action in made:
        assert_effect_once(world, action, seed)
    assert mid_push >= TRIALS // 2, f"only {mid_push} of {TRIALS} kills landed during a push (seed {seed})"
    print(f"crash test: {TRIALS} kills, {mid_push} during a push, {len(made)} actions, seed {seed}")


def assert_effect_once(world, action: dict, seed: int) -> None:
    where = f"{action['type']} {action['id']} (seed {seed})"
    kind = action["type"]
    if kind in ("issue", "return", "requisition"):
        pickings = world.pickings(action["id"])
        assert len(pickings) == 1, where
        picking = pickings[0]
        assert picking["state"] in (("confirmed", "assigned") if kind == "requisition" else ("done",)), where
        moves = world.moves(picking["id"])
        assert len(moves) == len(action["lines"]), where
        if kind != "requisition":
            quantities = sorted(line["quantity"] for line in world.move_lines(picking["id"]))
            expected = sorted(float(line["qty"]) for line in action["lines"])  # named by reference: units
            assert quantities == expected, where
            billable = [line for line in action["lines"] if line["product"] in ("BAN-5CM", "SYR-10ML")]
            assert len(world.invoice_lines(action["id"])) == len(billable), where
    elif kind == "waste":
        scraps = world.scraps(action["id"])
        assert [s["state"] for s in scraps] == ["done"] * len(action["lines"]), where
    elif kind == "count":
        moves = world.gateway.search_read("stock.move", [("name", "like", f"WS:{action['id']}"),
                                                         ("is_inventory", "=", True)], ["state"])
        assert len(moves) == len(action["lines"]) and {m["state"] for m in moves} == {"done"}, where
