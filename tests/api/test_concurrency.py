"""Devices replay at least once: the same batch posted from several threads at once is journaled once."""
import threading

import pytest
from sqlalchemy import func, select

from pwa.models import Action
from tests.conftest import Api, new_action

pytestmark = pytest.mark.both_databases


def test_same_batch_from_eight_threads_is_journaled_once(app, journal):
    batch = [new_action() for _ in range(40)]
    devices = [Api(app.test_client()).login("nurse") for _ in range(8)]
    statuses: list[list[str]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(len(devices))

    def replay(device: Api) -> None:
        try:
            start.wait()
            statuses.append([r["status"] for r in device.results(*batch)])
        except BaseException as error:  # noqa: BLE001 — reported below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=replay, args=(device,)) for device in devices]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    journal.expire_all()
    assert journal.scalar(select(func.count()).select_from(Action)) == 40
    accepted_per_action = [sum(s[i] == "accepted" for s in statuses) for i in range(40)]
    assert accepted_per_action == [1] * 40
    assert all(status in {"accepted", "duplicate"} for s in statuses for status in s)
