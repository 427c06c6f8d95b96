"""The scripted OpenAI-compatible server (`tests.fakes`) as a process of its own, to stand in for
llama-cpp-python's server as the service's model child, in tests and in the soak benchmark:

    python -m tests.scripted_child --port 8123 [--start-delay 1] [--delay-on SLOW=2]
        [--hang-once FILE] [--faults soak --seed 7]

``--start-delay`` waits before listening (a model loading); ``--delay-on TEXT=SECONDS`` delays
answers to prompts that contain TEXT; ``--hang-once FILE`` makes the first chat request hang,
unless FILE exists (it is created then, so a restarted child answers); ``--faults soak`` mixes
429 with Retry-After (a number, or garbage), 500, 503, JSON that is not JSON, JSON cut short
and hangs into the answers, at random (seeded), and appends the name of each fault it injects
to ``--fault-log FILE``.
"""

from __future__ import annotations

import argparse
import random
import threading
import time
from collections.abc import Callable
from pathlib import Path

from tests.fakes import FakeOpenAIServer, Fault

HANG_SECONDS = 600.0


def soak_faults(seed: int, hang: float, log: Path | None) -> Callable[[], Fault | None]:
    """About one answer in eight faulty, of every kind the service must survive."""
    rng = random.Random(seed)
    lock = threading.Lock()
    mix: list[tuple[str, float, Fault]] = [
        ("429 retry-after 0.2", 0.025, Fault(status=429, headers={"Retry-After": "0.2"})),
        ("429 retry-after garbage", 0.010, Fault(status=429, headers={"Retry-After": "soon"})),
        ("500", 0.020, Fault(status=500)),
        ("503", 0.020, Fault(status=503)),
        ("broken json", 0.020, Fault(body="{not json at all")),
        ("truncated json", 0.020, Fault(truncate=True)),
        ("hang", 0.002, Fault(delay=hang)),
    ]

    def choose() -> Fault | None:
        with lock:
            roll = rng.random()
            for name, chance, fault in mix:
                if roll < chance:
                    if log is not None:
                        with log.open("a", encoding="utf-8") as out:
                            out.write(name + "\n")
                    return fault
                roll -= chance
        return None

    return choose


def hang_once(marker: Path) -> Callable[[], Fault | None]:
    def choose() -> Fault | None:
        if marker.exists():
            return None
        marker.touch()
        return Fault(delay=HANG_SECONDS)

    return choose


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--start-delay", type=float, default=0.0)
    parser.add_argument("--delay-on", action="append", default=[], metavar="TEXT=SECONDS")
    parser.add_argument("--hang-once", type=Path)
    parser.add_argument("--faults", choices=["soak"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--hang", type=float, default=HANG_SECONDS, help="seconds a soak hang lasts")
    parser.add_argument("--fault-log", type=Path)
    args = parser.parse_args()
    time.sleep(args.start_delay)
    server = FakeOpenAIServer(port=args.port)
    for item in args.delay_on:
        text, _, seconds = item.partition("=")
        server.fail_when_text_contains[text] = Fault(delay=float(seconds))
    if args.hang_once is not None:
        server.random_fault = hang_once(args.hang_once)
    if args.faults == "soak":
        server.random_fault = soak_faults(args.seed, args.hang, args.fault_log)
    with server:
        threading.Event().wait()


if __name__ == "__main__":
    main()
