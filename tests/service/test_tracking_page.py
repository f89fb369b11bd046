"""The customer tracking page in a real browser: headless Chromium loads ``/track/{token}`` from uvicorn on loopback,
runs the page's script against the live API (on the Helsinki road graph), and the rendered DOM must show what
``/v1/tracking/{token}`` and its streets say."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import uvicorn
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings

LABELS = {"planned": "Scheduled", "picked_up": "On its way"}  # track.html's words for the statuses seen here
STEPS = {"accepted": "Order received", "picked": "Picked up", "on_the_way": "On the way", "delivered": "Delivered"}
PBF = Path(__file__).resolve().parents[2] / "data" / "helsinki.osm.pbf"
CONTACT = {"name": "Aino Maria Virtanen", "phone": "+358401234567"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@pytest.fixture(scope="module")
def chromium() -> str:
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        pytest.skip("no chromium binary on PATH: scripts/check.sh installs it (apt-get install chromium)")
    return binary


@pytest.fixture
def settings(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The test settings on the Helsinki road graph (the worker's too): the page draws its streets."""
    monkeypatch.setenv("LASTMILE_ROADS", str(PBF))
    return settings.model_copy(update={"roads": PBF})


@pytest.fixture
def live_server(settings: Settings) -> Iterator[str]:
    """The app on the test Redis under uvicorn in a background thread, on a free loopback port; its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = uvicorn.Server(uvicorn.Config(create_app(settings), log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{base}/health", timeout=5) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not answer /health"
        time.sleep(0.05)
    yield base
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    depth: int
    text: list[str] = field(default_factory=list)

    def content(self) -> str:
        return "".join(self.text).strip()


class Dom(HTMLParser):
    """Every element of a dumped page in document order, with the text inside it."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.elements: list[Element] = []
        self.open: list[Element] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs}, len(self.open))
        self.elements.append(element)
        if tag not in VOID:
            self.open.append(element)

    def handle_endtag(self, tag: str) -> None:
        while self.open and self.open.pop().tag != tag:
            pass

    def handle_data(self, data: str) -> None:
        for element in self.open:
            element.text.append(data)

    def by_id(self, ident: str) -> Element | None:
        return next((e for e in self.elements if e.attrs.get("id") == ident), None)

    def get(self, ident: str) -> Element:
        element = self.by_id(ident)
        assert element is not None, f"no element #{ident}"
        return element

    def text(self, ident: str) -> str:
        return self.get(ident).content().replace("\u202f", " ")

    def inside(self, ident: str, tag: str) -> list[Element]:
        """The ``tag`` elements inside the element with this id."""
        outer, found = self.get(ident), []
        for element in self.elements[self.elements.index(outer) + 1 :]:
            if element.depth <= outer.depth:
                break
            if element.tag == tag:
                found.append(element)
        return found


def render(chromium: str, url: str) -> tuple[Dom, str]:
    """The page's DOM after its script ran (5 s of virtual time), and Chromium's log (console messages included).
    The browser runs in UTC so that times on the page can be compared."""
    args = [
        chromium,
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--enable-logging=stderr",
        "--virtual-time-budget=5000",
        "--dump-dom",
        url,
    ]
    done = subprocess.run(args, capture_output=True, text=True, timeout=60, env={**os.environ, "TZ": "UTC"})
    assert done.returncode == 0, done.stderr[-2000:]
    return Dom(done.stdout), done.stderr


def tracking_json(base: str, token: str, part: str = "") -> dict[str, Any]:
    with urllib.request.urlopen(f"{base}/v1/tracking/{token}{part}", timeout=10) as response:
        return dict(json.load(response))


def clocks(iso: str) -> set[str]:
    """How the page's ``clock()`` may print this time in UTC: 24-hour or en-US 12-hour, seconds cut off."""
    t = datetime.fromisoformat(iso).astimezone(UTC)
    return {t.strftime("%H:%M"), t.strftime("%I:%M %p")}


def point(element: Element) -> tuple[float, float]:
    return float(element.attrs["cx"]), float(element.attrs["cy"])


def check_page(dom: Dom, log: str, before: dict[str, Any], after: dict[str, Any], streets: list[Any]) -> None:
    """The rendered page says what the tracking JSON (read before and after the browser ran) says, over the
    street lines the API gave."""
    assert "Uncaught" not in log and "Error: <" not in log, log[-2000:]
    status = after["status"]
    assert before["status"] == status and dom.text("status") == LABELS["picked_up" if after["courier"] else status]
    assert dom.get("status").attrs["class"] == "status"
    assert after["eta"] and dom.text("eta") in {f"Arrives ≈ {c}" for d in (before, after) for c in clocks(d["eta"])}
    w = after["windows"][0]
    assert dom.text("window") in {f"Delivery window {a}–{b}" for a in clocks(w["start"]) for b in clocks(w["end"])}
    n = after["stops_before"]
    assert dom.text("stops") == (f"{n} stop(s) before yours" if n else "")
    assert dom.text("updated").startswith("Updated ")
    check_courier(dom, after["courier"])
    items = dom.inside("timeline", "li")
    assert [e.attrs["data-status"] for e in items] == [*(s["status"] for s in after["timeline"]), *pending(after)]
    for item, step in zip(items, after["timeline"], strict=False):
        assert item.content().replace("\u202f", " ") in {f"{STEPS[step['status']]} {c}" for c in clocks(step["at"])}
    assert [e.content() for e in items[len(after["timeline"]) :]] == [STEPS[s] for s in pending(after)]
    (road,) = dom.inside("sketch", "path")
    assert road.attrs["id"] == "streets" and road.attrs["d"].count("M") == len(streets) > 0

    places = {"site": after["site_location"], "courier": after["courier_position"], "home": after["destination"]}
    places = {name: p for name, p in places.items() if p is not None}
    dots = {e.attrs["id"]: e for e in dom.inside("sketch", "circle")}
    assert set(dots) == {f"dot-{name}" for name in places}
    assert [e.content() for e in dom.inside("sketch", "text")] == ["you" if name == "home" else name for name in places]
    xy = {name: point(dots[f"dot-{name}"]) for name in places}
    assert all(20 - 1e-6 <= x <= 280 + 1e-6 and 20 - 1e-6 <= y <= 180 + 1e-6 for x, y in xy.values())
    for a in places:  # east is right, north is up
        for b in places:
            if places[a][1] < places[b][1]:
                assert xy[a][0] < xy[b][0], (a, b, xy)
            if places[a][0] < places[b][0]:
                assert xy[a][1] > xy[b][1], (a, b, xy)
    if "courier" in places:
        assert dots["dot-courier"].attrs["r"] == "7" and dots["dot-home"].attrs["r"] == "5"
    (line,) = dom.inside("sketch", "polyline")
    drawn = [tuple(float(v) for v in p.split(",")) for p in line.attrs["points"].split()]
    expected = [xy[name] for name in places]  # site → courier → home
    assert len(drawn) == len(expected), (drawn, expected)
    assert [v for p in drawn for v in p] == pytest.approx([v for p in expected for v in p]), (drawn, expected)


def check_courier(dom: Dom, courier: dict[str, Any] | None) -> None:
    """The courier's first name and a tel: link while the API sends them, nothing otherwise."""
    if courier is None:
        assert dom.text("courier") == "" and dom.inside("courier", "a") == []
        return
    assert dom.text("courier-name") == f"{courier['first_name']} is on the way"
    phone = dom.get("courier-phone")
    assert phone.attrs["href"] == f"tel:{courier['phone']}" and phone.content() == courier["phone"]


def pending(tracked: dict[str, Any]) -> list[str]:
    """The steps the page lists as still to come: those after the last one so far."""
    steps, last = list(STEPS), tracked["timeline"][-1]["status"]
    return steps[steps.index(last) + 1 :] if last in steps else []


def test_tracking_page_in_a_browser(
    client: TestClient, world: Any, redis_server: Any, live_server: str, chromium: str
) -> None:
    world.register(client, orders=6)
    job = client.post("/v1/plans", json={"solution_limit": 20, "time_limit_s": 60}).json()
    world.run_worker(redis_server.url)
    assert client.get(f"/v1/plans/{job['id']}").json()["status"] == "finished"
    route = max(client.get("/v1/plans/live").json()["routes"], key=lambda r: len(r["stops"]))
    assert len(route["stops"]) >= 2, route
    first, second = route["stops"][0]["order"], route["stops"][1]["order"]
    placed = client.get(f"/v1/orders/{second}").json()
    token, path = placed["tracking_token"], urlsplit(placed["tracking_url"]).path
    assert path == f"/track/{token}"

    courier = next(c for c in world.couriers if c["id"] == route["courier"])
    assert client.put(f"/v1/couriers/{courier['id']}", json={**courier, **CONTACT}).status_code == 200
    streets = tracking_json(live_server, token, "/streets")["streets"]  # also loads the street lines
    rider = {"X-API-Key": world.key(client, "courier", route["courier"])}
    for courier_shown in (False, True):  # before the courier leaves, then on its way with a GPS ping
        if courier_shown:
            picked = client.post(f"/v1/orders/{first}/events", json={"type": "picked_up"}, headers=rider)
            assert picked.status_code == 201, picked.text
            ping = {"lat": 60.1695, "lon": 24.9420, "at": world.at(1)}
            sent = client.post(f"/v1/couriers/{route['courier']}/positions", json=ping, headers=rider)
            assert sent.status_code == 202, sent.text
        before = tracking_json(live_server, token)
        assert (before["courier_position"] is not None) is courier_shown, before
        assert before["courier"] == ({"first_name": "Aino", "phone": CONTACT["phone"]} if courier_shown else None)
        dom, log = render(chromium, live_server + path)
        check_page(dom, log, before, tracking_json(live_server, token), streets)
        assert (dom.by_id("dot-courier") is not None) is courier_shown
        assert (dom.by_id("courier-phone") is not None) is courier_shown

    dom, log = render(chromium, f"{live_server}/track/not-a-real-token")
    with pytest.raises(urllib.error.HTTPError) as missing:
        tracking_json(live_server, "not-a-real-token")
    assert missing.value.code == 404
    assert "Uncaught" not in log, log[-2000:]
    assert dom.text("status") == "Unknown tracking link"
    assert dom.get("status").attrs["class"] == "status error"
    assert dom.text("eta") == dom.text("window") == dom.text("updated") == ""
    assert dom.inside("sketch", "circle") == []
