import pytest
from django.conf import settings
from django.utils import translation


@pytest.fixture(autouse=True)
def _english():
    """The tests read the English texts; the Swedish catalog is checked by core's i18n tests."""
    with translation.override("en"):
        yield


@pytest.fixture
def login_en(client):
    """Logs the test client in with the English interface."""

    def _login(who):
        client.force_login(getattr(who, "user", who))
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return _login
