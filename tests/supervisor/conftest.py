"""The desk's tests read the journal through a session of their own: the shared `journal` fixture keeps an app
context open, which page requests would then share (and with it the signed-in user of the previous request)."""
import pytest
from sqlalchemy.orm import Session


@pytest.fixture
def store(app):
    with Session(app.extensions["journal_engine"], expire_on_commit=False) as session:
        yield session
