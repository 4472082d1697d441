from tests.supervisor.conftest import store  # noqa: F401  (a session of the test's own, see there)
