import pytest

from tests.events.receiver import Receiver


@pytest.fixture
def receiver(settings):
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    receiver = Receiver()
    yield receiver
    receiver.server.shutdown()
