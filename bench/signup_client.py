"""The sign-up benchmark's clients: a small HTTP/1.1 client on asyncio sockets, and the two loads.

Standard library only. Each request opens its own connection to 127.0.0.1 and sends
``Connection: close`` (gunicorn's sync workers close after every response anyway), so a response
is read to the end of the stream. Every client is its own browser: a cookie jar of its own, reset
for each attempt (a new person with a new e-mail address).

The loads (see bench/README.md for what each outcome means):

  floor    GET /bench/signup-floor/<run>/ for the CSRF token, POST it: one locked row, one insert, 302.
  signup   GET /pamelding/<run>/ for the CSRF token, POST the anonymous form with a fresh e-mail:
           302 to /pamelding/holdt/<uuid>/ holds the seat; then, as someone who opens the link in the
           e-mail and presses its button, POST /pamelding/holdt/<uuid>/bekreft/ with the link's
           token: 302 to /pamelding/<uuid>/ is a seat. 200 asking about the waiting list is "full". Some who
           got a seat cancel it with the e-mail's signed link (POST /pamelding/<uuid>/avmeld/), half
           of them at once and half a third of the phase later (by then the run may be full, with
           people waiting, so the freed seat is offered to the first in line); some who found a
           waiting-list run full join its waiting list (POST again with waiting_list=on).
"""

import asyncio
import random
import re
import signal
import time
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie
from urllib.parse import urlencode, urlsplit

REQUEST_TIMEOUT = 60.0

CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
CONFIRMATION = re.compile(r"^/pamelding/([0-9a-f-]{36})/$")
HELD = re.compile(r"^/pamelding/holdt/([0-9a-f-]{36})/$")
WAITING_LIST_FORM = re.compile(rb'name="waiting_list" value="(?:on|True)"')
# The flash messages on the page a POST redirects to (templates/_partials/messages.html): (colour, text).
MESSAGE = re.compile(rb'<div class="ds-alert" data-color="(\w+)"><p class="ds-paragraph">(.*?)</p>', re.S)
FORM_ERROR = re.compile(rb'class="ds-alert error-summary".*?<ul>\s*<li>(?:<a[^>]*>)?(.*?)<', re.S)


class Interrupted(Exception):
    """Ctrl+C or SIGTERM during a load: the clients were stopped."""


class HttpError(Exception):
    """A connection that failed, timed out or answered something that is not HTTP."""


@dataclass
class Response:
    status: int
    headers: list
    body: bytes
    seconds: float

    def header(self, name):
        name = name.lower()
        return next((value for key, value in self.headers if key == name), None)

    def cookies(self):
        return [value for key, value in self.headers if key == "set-cookie"]


async def http(host, port, method, path, *, cookies=None, form=None, timeout=REQUEST_TIMEOUT):
    """One request on a fresh connection; the response read until the server closes it."""
    body = urlencode(form).encode() if form is not None else b""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}", "Connection: close", "User-Agent: bench-signup"]
    if cookies:
        lines.append("Cookie: " + "; ".join(f"{name}={value}" for name, value in cookies.items()))
    if form is not None:
        lines += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
    started = time.perf_counter()
    writer = None
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(host, port)
            writer.write(request)
            await writer.drain()
            data = await reader.read(-1)
    except TimeoutError as error:
        raise HttpError(f"timeout after {timeout:.0f} s") from error
    except OSError as error:
        raise HttpError(f"{type(error).__name__}: {error}") from error
    finally:
        if writer is not None:
            writer.close()
    seconds = time.perf_counter() - started
    head, sep, payload = data.partition(b"\r\n\r\n")
    if not sep or not head.startswith(b"HTTP/1."):
        raise HttpError(f"no HTTP response ({len(data)} bytes)")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = []
    for line in header_lines:
        key, _, value = line.partition(":")
        headers.append((key.strip().lower(), value.strip()))
    response = Response(int(status_line.split()[1]), headers, payload, seconds)
    if (response.header("transfer-encoding") or "").lower() == "chunked":
        response.body = _unchunk(payload)
    return response


def _unchunk(data):
    out, rest = bytearray(), data
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out += rest[:size]
        rest = rest[size + 2 :]
    return bytes(out)


def update_jar(jar, response):
    for header in response.cookies():
        cookie = SimpleCookie()
        try:
            cookie.load(header)
        except CookieError:
            continue
        for name, morsel in cookie.items():
            if morsel.value == "" or morsel["max-age"] == "0":
                jar.pop(name, None)
            else:
                jar[name] = morsel.value


# --- recording --------------------------------------------------------------------------------------
@dataclass
class Stats:
    name: str
    started: float = 0.0
    finished: float = 0.0
    attempts: int = 0
    posts: int = 0  # POSTs to the sign-up form and to the held seat's confirm button (or to the floor's form)
    holds: int = 0  # 302s from the sign-up form to a held seat
    holds_unconfirmed: list = field(default_factory=list)  # held seats whose confirm POST did not confirm
    cancel_posts: int = 0
    gets: int = 0
    outcomes: dict = field(default_factory=dict)  # "seat", "full", "waitlisted", "refused", ...
    post_latency: list = field(default_factory=list)  # seconds, sign-up (or floor) POSTs
    get_latency: list = field(default_factory=list)
    cancel_latency: list = field(default_factory=list)
    errors: list = field(default_factory=list)  # (what, detail)
    seats: list = field(default_factory=list)  # (run_id, uuid) of every 302 to a confirmation page
    waitlisted: list = field(default_factory=list)  # (run_id, uuid)
    cancelled: list = field(default_factory=list)  # uuids whose cancellation the client saw succeed
    cancel_unclear: list = field(default_factory=list)  # uuids whose cancel POST gave no clear answer
    refusals: dict = field(default_factory=dict)  # message -> count (a 200 that is neither seat nor full)

    def count(self, outcome):
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1

    def error(self, what, detail):
        self.errors.append((what, str(detail)[:300]))

    # Time under load, summed over rounds: from the first request to the last response of each round.
    busy_seconds: float = 0.0
    spans: list = field(default_factory=list)  # (unix start, unix end) of each round, for server timing

    @property
    def seconds(self):
        return max(self.finished - self.started, 1e-9)


@dataclass
class Load:
    host: str
    port: int
    run_ids: list
    clients: int
    duration: float
    weights: list | None = None  # how popular each run is (None: all alike)
    max_attempts: int | None = None
    seed: int = 1
    tag: str = "x"  # makes e-mail addresses unique across benchmark runs
    cancel_share: float = 0.3
    waitlist_runs: frozenset = frozenset()
    waitlist_share: float = 0.2

    def __post_init__(self):
        self._deadline = 0.0
        self._attempts = 0

    def _pick(self, rng):
        return rng.choices(self.run_ids, self.weights)[0] if self.weights else rng.choice(self.run_ids)

    def _next_attempt(self):
        if time.perf_counter() >= self._deadline:
            return None
        if self.max_attempts is not None and self._attempts >= self.max_attempts:
            return None
        self._attempts += 1
        return self._attempts

    async def _get_form(self, stats, path, jar):
        """GET a form page; the CSRF token from it, or None (recorded as an error)."""
        try:
            response = await http(self.host, self.port, "GET", path, cookies=jar)
        except HttpError as error:
            stats.error(f"GET {path}", error)
            return None
        stats.gets += 1
        stats.get_latency.append(response.seconds)
        update_jar(jar, response)
        match = CSRF_INPUT.search(response.body)
        if response.status != 200 or not match or "csrftoken" not in jar:
            stats.error(f"GET {path}", f"status {response.status}, token {'found' if match else 'missing'}")
            return None
        return match.group(1).decode()

    async def _post(self, stats, path, jar, form, *, latencies):
        try:
            response = await http(self.host, self.port, "POST", path, cookies=jar, form=form)
        except HttpError as error:
            stats.error(f"POST {path}", error)
            return None
        latencies.append(response.seconds)
        update_jar(jar, response)
        if response.status >= 500 or response.status not in (200, 302):
            stats.error(f"POST {path}", f"status {response.status}")
            return None
        return response

    async def run(self, stats, client, *, round_=0):
        """Drive `clients` clients until the deadline (or the attempt budget), then let them finish.

        No client starts an attempt after the deadline; those under way finish (so the database
        checks see everything a client was told). Rates are work done over the time from the first
        request to the last response: the server is saturated the whole time (every client is
        queued at it), the first seconds serve only GETs and the drain at the end only POSTs, so
        this is fair to slow and fast endpoints alike, where counting responses before the
        deadline would short slow endpoints by about one attempt per client.
        """
        begin, unix_begin = time.perf_counter(), time.time()
        self._deadline = begin + self.duration
        stats.started = stats.started or begin
        rngs = [random.Random(f"{self.seed}-{stats.name}-{round_}-{i}") for i in range(self.clients)]
        loop, this = asyncio.get_running_loop(), asyncio.current_task()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, this.cancel)
        try:
            await asyncio.gather(*(client(stats, i, rngs[i]) for i in range(self.clients)))
        except asyncio.CancelledError:
            raise Interrupted from None
        finally:
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(signum)
        stats.finished = time.perf_counter()
        stats.busy_seconds += stats.finished - begin
        stats.spans.append((unix_begin, unix_begin + stats.finished - begin))
        return stats

    # --- the floor ----------------------------------------------------------------------------------
    async def floor_client(self, stats, index, rng):
        while (attempt := self._next_attempt()) is not None:
            stats.attempts += 1
            run_id = self._pick(rng)
            path = f"/bench/signup-floor/{run_id}/"
            jar = {}
            token = await self._get_form(stats, path, jar)
            if token is None:
                continue
            form = {"csrfmiddlewaretoken": token, "email": f"floor-{self.tag}-{index}-{attempt}@bench.invalid"}
            response = await self._post(stats, path, jar, form, latencies=stats.post_latency)
            if response is None:
                continue
            stats.posts += 1
            if response.status == 302:
                stats.count("seat")
            else:
                stats.error(f"POST {path}", f"status {response.status}, not the floor's 302")

    # --- the portal's sign-up -----------------------------------------------------------------------
    async def signup_client(self, stats, index, rng):
        later = []  # seats to give up later: (when, uuid, that browser's jar, its CSRF token)
        while (attempt := self._next_attempt()) is not None:
            while later and later[0][0] <= time.perf_counter():
                await self._cancel(stats, *later.pop(0)[1:])
            stats.attempts += 1
            run_id = self._pick(rng)
            path = f"/pamelding/{run_id}/"
            jar = {}
            token = await self._get_form(stats, path, jar)
            if token is None:
                continue
            form = {
                "csrfmiddlewaretoken": token,
                "name": f"Deltaker {index}",
                "email": f"signup-{self.tag}-{index}-{attempt}@bench.invalid",
                "phone": "",
                **({"wants_reminders": "on"} if rng.random() < 0.5 else {}),
            }
            outcome, response = await self._sign_up_post(stats, path, jar, form)
            if outcome == "seat":
                uuid = CONFIRMATION.match(urlsplit(response.header("location")).path).group(1)
                stats.seats.append((run_id, uuid))
                draw = rng.random()
                if draw < self.cancel_share / 2:  # changed their mind at once
                    await self._cancel(stats, uuid, jar, token)
                elif draw < self.cancel_share:  # later, when the run may be full with people waiting
                    later.append((time.perf_counter() + self.duration / 3, uuid, jar, token))
            elif outcome == "full" and run_id in self.waitlist_runs and rng.random() < self.waitlist_share:
                form = {**form, "waiting_list": "on"}
                outcome, response = await self._sign_up_post(stats, path, jar, form, waiting=True)
                if outcome == "waitlisted":
                    uuid = CONFIRMATION.match(urlsplit(response.header("location")).path).group(1)
                    stats.waitlisted.append((run_id, uuid))
        for _when, uuid, jar, token in later:  # the deadline came first; cancel anyway, so the share holds
            await self._cancel(stats, uuid, jar, token)

    async def _sign_up_post(self, stats, path, jar, form, *, waiting=False):
        """POST the sign-up form, then confirm the held seat: "seat" (or "waitlisted" when asking for the list),
        "full", "refused"."""
        response = await self._post(stats, path, jar, form, latencies=stats.post_latency)
        if response is None:
            return "error", None
        stats.posts += 1
        if response.status == 302:
            location = urlsplit(response.header("location") or "").path
            if held := HELD.match(location):
                stats.holds += 1
                return await self._confirm_hold(stats, held.group(1), jar, form["csrfmiddlewaretoken"], waiting)
            stats.error(f"POST {path}", f"302 to {location!r}, not a held seat")
            return "error", response
        if WAITING_LIST_FORM.search(response.body):
            stats.count("full")
            return "full", response
        stats.count("refused")
        match = FORM_ERROR.search(response.body)
        message = match.group(1).decode("utf-8", "replace") if match else "(no message found)"
        stats.refusals[message] = stats.refusals.get(message, 0) + 1
        return "refused", response

    async def _confirm_hold(self, stats, hold_uuid, jar, token, waiting):
        # The confirm link from the e-mail that holds the seat: a signed token for this hold and action. Opening the
        # link is a GET that changes nothing; the client goes straight to the button's POST.
        from types import SimpleNamespace

        from enrolment import links

        path = f"/pamelding/holdt/{hold_uuid}/bekreft/"
        link_token = links.hold_token_for(SimpleNamespace(public_id=hold_uuid), "confirm")
        response = await self._post(
            stats, path, jar, {"csrfmiddlewaretoken": token, "t": link_token}, latencies=stats.post_latency
        )
        if response is None:
            stats.holds_unconfirmed.append(hold_uuid)
            return "error", None
        stats.posts += 1
        location = urlsplit(response.header("location") or "").path if response.status == 302 else ""
        if CONFIRMATION.match(location):
            outcome = "waitlisted" if waiting else "seat"
            stats.count(outcome)
            return outcome, response
        stats.holds_unconfirmed.append(hold_uuid)
        stats.error(f"POST {path}", f"status {response.status} to {location!r}, not a confirmation page")
        return "error", response

    async def _cancel(self, stats, uuid, jar, token):
        # The cancel link from the confirmation e-mail: a signed token for this enrolment and action.
        from types import SimpleNamespace

        from enrolment import links

        path = f"/pamelding/{uuid}/avmeld/"
        link_token = links.token_for(SimpleNamespace(public_id=uuid), "cancel")
        response = await self._post(
            stats, path, jar, {"csrfmiddlewaretoken": token, "t": link_token}, latencies=stats.cancel_latency
        )
        if response is None:
            stats.cancel_unclear.append(uuid)
            return
        stats.cancel_posts += 1
        if response.status != 302:
            stats.cancel_unclear.append(uuid)
            stats.error(f"POST {path}", f"status {response.status}, not a redirect")
            return
        # Messages are kept in the session: the page the browser is sent on to shows whether it went through.
        messages = await self._messages_after(stats, response, jar)
        if any(colour == "success" for colour, _text in messages):
            stats.cancelled.append(uuid)
            stats.count("cancelled")
        else:
            stats.cancel_unclear.append(uuid)
            stats.count("cancel refused")
            text = "; ".join(text for _colour, text in messages) or "(no message)"
            stats.refusals[f"cancel: {text}"] = stats.refusals.get(f"cancel: {text}", 0) + 1

    async def _messages_after(self, stats, response, jar):
        """The flash messages on the page a redirect leads to, as a browser following it sees them."""
        path = urlsplit(response.header("location") or "").path
        try:
            page = await http(self.host, self.port, "GET", path, cookies=jar)
        except HttpError as error:
            stats.error(f"GET {path}", error)
            return []
        stats.gets += 1
        update_jar(jar, page)
        return [(colour.decode(), text.decode("utf-8", "replace")) for colour, text in MESSAGE.findall(page.body)]
