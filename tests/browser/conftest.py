import shutil
import time

import pytest

from tests.conftest import ARTIFACTS

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # A tablet in portrait, the treatment-room device.
    return {**browser_context_args, "viewport": {"width": 768, "height": 1024}}


@pytest.fixture
def shot(page):
    ARTIFACTS.mkdir(exist_ok=True)

    def take(name: str) -> None:
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    return take


@pytest.fixture(autouse=True)
def _no_request_in_flight_at_the_flush(live_server, context):
    """Each test ends only when the browser has no request in flight. The live server answers
    on the test's own database connection (in-memory SQLite is shared with its threads): a
    request still being answered as the test ends (a card the page loads after its heading
    showed) holds a table lock, the flush between tests fails and the next test starts on the
    previous one's rows. Seen once under load; costs nothing when the page is quiet."""
    in_flight: set = set()
    context.on("request", lambda request: in_flight.add(request))
    context.on("requestfinished", lambda request: in_flight.discard(request))
    context.on("requestfailed", lambda request: in_flight.discard(request))
    yield
    deadline = time.monotonic() + 15
    while in_flight and context.pages and time.monotonic() < deadline:
        context.pages[0].wait_for_timeout(50)  # lets Playwright deliver the pending events
