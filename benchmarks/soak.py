"""Soak: articles through a real ``summarize serve`` on loopback whose model process is a faulty
scripted OpenAI-compatible server, with concurrent clients; then the same while the model
process is killed with SIGKILL, twice.

Run: ``python -m benchmarks.soak [--articles 1000] [--concurrency 16] [--kill-articles 300]``
from the repository root (the model process is ``tests.scripted_child --faults soak``: 429 with
a Retry-After that is a number or garbage, 500, 503, JSON that is not JSON, JSON cut short and
hangs, about one answer in eight). Loopback only; every loop is bounded in count and time.

Every article is sent once, with its own id and text, and each answer is checked against what
was sent: *lost* is an article with no HTTP answer at all (or one that is not the service's
JSON), *duplicated* an answer for an article already answered, *mixed up* an answer whose
``article.id`` or ``article.sha256`` is another article's. An error answer (a model that kept
failing, 502; a deadline, 504) is an answer: the article was not lost, it failed clearly.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx

SENTENCE = (
    "Gunmen attacked the village of Kadawa{i} on Monday. Police said {n} people were killed "
    "and {w} were wounded in the raid, the {i}th this year."
)
SERVICE_ENV = {
    "SUMMARIZER_WORKERS": "8",
    "SUMMARIZER_QUEUE_SIZE": "64",
    "SUMMARIZER_MAX_BATCH": "8",
    "SUMMARIZER_REQUEST_TIMEOUT": "60",
    "SUMMARIZER_TIMEOUT": "2",  # a call that hangs is given up (and the model process restarted) after 2 s
    "SUMMARIZER_ATTEMPTS": "4",
    "SUMMARIZER_BACKOFF_INITIAL": "0.05",
    "SUMMARIZER_BACKOFF_MAX": "0.5",
    "SUMMARIZER_RESPONSE_CACHE": "false",  # every article must reach the model process
}
CLIENT_TIMEOUT = 120.0
"""Seconds a client waits for one answer: well past the service's 60 s deadline."""
BUSY_RETRIES = 20
"""Times one article is offered again after a 503 busy (the queue was full) before it counts as lost."""


@dataclass
class Tally:
    sent: int = 0
    ok: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    lost: int = 0
    duplicated: int = 0
    mixed_up: int = 0
    answered_ids: set[str] = field(default_factory=set)
    seconds: list[float] = field(default_factory=list)

    def check(self, key: str, text: str, response: httpx.Response) -> None:
        """Counts one answer against what was sent for ``key``."""
        if response.status_code != 200:
            try:
                self.errors[f"{response.status_code} {response.json()['error']['code']}"] += 1
            except (ValueError, KeyError, TypeError):
                self.lost += 1  # not the service's JSON: nothing a client can act on
            return
        article = response.json()["article"]
        if article["id"] in self.answered_ids:
            self.duplicated += 1
        self.answered_ids.add(article["id"])
        if article["id"] != key or article["sha256"] != hashlib.sha256(text.encode()).hexdigest():
            self.mixed_up += 1
        else:
            self.ok += 1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def service(log: IO[str], seed: int, faults: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """``summarize serve`` with the faulty scripted model process, ready."""
    port = free_port()
    child = (
        f"{{python}} -m tests.scripted_child --port {{port}} --faults soak --seed {seed} --hang 30 "
        f"--fault-log {shlex.quote(str(faults))}"
    )
    env = {**os.environ, **SERVICE_ENV, "SUMMARIZER_CHILD_COMMAND": child}
    command = [sys.executable, "-m", "summarizer", "serve", "--port", str(port), "--shutdown-grace", "5"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=log, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        until = time.monotonic() + 60
        while not _ready(url):
            if process.poll() is not None or time.monotonic() > until:
                raise SystemExit("soak: the service did not become ready; see its log")
            time.sleep(0.2)
        yield process, url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


async def send_all(url: str, texts: dict[str, str], concurrency: int, tally: Tally) -> None:
    limits = httpx.Limits(max_connections=concurrency)
    slots = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=CLIENT_TIMEOUT, limits=limits) as client:

        async def one(key: str, text: str) -> None:
            async with slots:
                started = time.monotonic()
                response = await _post(client, key, text)
                tally.seconds.append(time.monotonic() - started)
            if response is None:
                tally.lost += 1
            else:
                tally.check(key, text, response)

        tally.sent += len(texts)
        await asyncio.gather(*(one(key, text) for key, text in texts.items()))


async def _post(client: httpx.AsyncClient, key: str, text: str) -> httpx.Response | None:
    """The article's answer; offered again after a 503 busy, a bounded number of times."""
    for _ in range(BUSY_RETRIES):
        try:
            response = await client.post("/v1/summaries", json={"text": text, "id": key})
        except httpx.HTTPError:
            return None
        if response.status_code != 503 or response.json()["error"]["code"] != "busy":
            return response
        await asyncio.sleep(float(response.headers.get("retry-after", "1")))
    return None


def articles(prefix: str, count: int) -> dict[str, str]:
    return {f"{prefix}-{i}": SENTENCE.format(i=i, n=i % 97 + 2, w=i % 13 + 1) for i in range(count)}


def model_process(service_pid: int) -> int | None:
    """The service's model process (its only child), from /proc."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == service_pid and fields[0] != "Z":
            return int(stat.parent.name)
    return None


async def kill_during(
    url: str, service_pid: int, tally: Tally, total: int, at: tuple[float, ...]
) -> list[str]:
    """SIGKILLs the model process when the given shares of the articles have been answered;
    what it did, for the report."""
    done: list[str] = []
    until = time.monotonic() + 600
    for share in at:
        while tally.ok + sum(tally.errors.values()) + tally.lost < share * total:
            if time.monotonic() > until:
                return done
            await asyncio.sleep(0.05)
        pid = model_process(service_pid)
        if pid is None:
            done.append("no model process found to kill")
            continue
        os.kill(pid, signal.SIGKILL)
        outage, states = await _outage(url, until)
        seen = "/".join(sorted(states)) or "nothing"
        done.append(f"killed pid {pid} at {share:.0%} answered: /readyz said {seen} for {outage:.2f} s")
    return done


async def _outage(url: str, until: float) -> tuple[float, set[str]]:
    """How long /readyz says it is not ready after a kill (from the kill to ready again), and
    the states it gave meanwhile."""
    started, states = time.monotonic(), set[str]()
    async with httpx.AsyncClient(base_url=url, timeout=2) as client:
        while time.monotonic() < until:
            try:
                reply = await client.get("/readyz")
            except httpx.HTTPError:
                reply = None
            if reply is not None and reply.status_code != 200:
                states.add(reply.json()["status"])
            elif reply is not None and (states or time.monotonic() - started > 5):
                break
            await asyncio.sleep(0.02)
    return time.monotonic() - started, states


def report(title: str, tally: Tally, wall: float) -> None:
    p50 = statistics.median(tally.seconds) if tally.seconds else 0.0
    p95 = statistics.quantiles(tally.seconds, n=20)[-1] if len(tally.seconds) > 1 else p50
    errors = ", ".join(f"{code}: {n}" for code, n in sorted(tally.errors.items())) or "none"
    print(f"{title}")
    print(f"  sent {tally.sent}, answered ok {tally.ok}, answered with an error {sum(tally.errors.values())}")
    print(f"  errors by status and code: {errors}")
    print(f"  lost {tally.lost}, duplicated {tally.duplicated}, mixed up {tally.mixed_up}")
    print(f"  {wall:.1f} s, {tally.sent / wall:.1f} articles/s; latency p50 {p50:.2f} s, p95 {p95:.2f} s")


def injected(faults: Path) -> str:
    """The faults the model process injected so far, by kind (then forgotten)."""
    kinds = Counter(faults.read_text(encoding="utf-8").split("\n")[:-1]) if faults.exists() else Counter()
    faults.unlink(missing_ok=True)
    return ", ".join(f"{kind}: {n}" for kind, n in sorted(kinds.items())) or "none"


def restarts_in(log: IO[str]) -> Counter[str]:
    log.seek(0)
    return Counter(
        line.split("the model process ", 1)[1].split(";")[0].split(":")[0].split(" (")[0]
        for line in log
        if "restarting it" in line
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--kill-articles", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if sys.platform != "linux":
        raise SystemExit("soak: finds and kills the model process as Linux allows; run it on Linux")
    with (
        tempfile.TemporaryDirectory() as scratch,
        tempfile.TemporaryFile("w+", encoding="utf-8") as log,
        service(log, args.seed, faults := Path(scratch) / "faults") as (process, url),
    ):
        injected(faults)  # the warm-up's
        tally, started = Tally(), time.monotonic()
        asyncio.run(
            asyncio.wait_for(send_all(url, articles("soak", args.articles), args.concurrency, tally), 1800)
        )
        report(
            f"faults: {args.articles} articles, {args.concurrency} clients", tally, time.monotonic() - started
        )
        print(f"  faults injected by the model process: {injected(faults)}")
        print(f"  model process restarts: {dict(restarts_in(log)) or 'none'}")

        killed, started = Tally(), time.monotonic()

        async def run_and_kill() -> list[str]:
            texts = articles("kill", args.kill_articles)
            sending = send_all(url, texts, args.concurrency, killed)
            killing = kill_during(url, process.pid, killed, len(texts), at=(0.25, 0.6))
            return (await asyncio.gather(sending, killing))[1]

        kills = asyncio.run(asyncio.wait_for(run_and_kill(), 900))
        report(
            f"kill -9: {args.kill_articles} articles, model process killed twice",
            killed,
            time.monotonic() - started,
        )
        for line in kills:
            print(f"  {line}")
        print(f"  faults injected by the model process: {injected(faults)}")
        print(f"  model process restarts, both runs: {dict(restarts_in(log))}")


if __name__ == "__main__":
    main()
