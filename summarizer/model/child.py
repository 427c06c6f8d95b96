"""The local model in a supervised child process, for the HTTP service.

A model that runs in the service's own process takes the service down with it when it crashes
and cannot be stopped when it hangs. So the service runs llama-cpp-python's own
OpenAI-compatible server, with the sampler the CLI uses (``python -m summarizer.model.llama_server``),
as a child on a private loopback port and talks to it with the openai transport, streaming (so
that a call whose caller is gone stops the generation too). `ModelChild` starts it, watches it
(the process exiting, a health probe that goes unanswered, a call that a caller reports hung)
and restarts it; callers wait for a restart within their own deadlines
(`ModelChild.wait_ready`). The CLI and the library keep the model in process
(`summarizer.model.transports`).

The child can never outlive the service: it is started through a small guard that asks Linux to
kill it when its parent dies (``PR_SET_PDEATHSIG``), even by SIGKILL, and the supervisor stops
it when the service stops. What command runs is a `ChildSpec`, so tests and benchmarks can
supervise a scripted server instead of the real one.
"""

from __future__ import annotations

import logging
import os
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any, Literal

import httpx
import openai
from openai.types.chat import ChatCompletion

from summarizer.core.config import Settings
from summarizer.core.errors import DeadlineExceeded, ModelError, SummarizerError
from summarizer.model.interface import StructuredModel, check_deadline, time_left
from summarizer.model.transports import (
    OpenAITransport,
    local_model_file,
    local_threads,
    model_name,
    with_response_cache,
)

log = logging.getLogger("summarizer.model.child")

Status = Literal["starting", "ready", "restarting", "failed", "stopped"]
ChildCommand = Callable[[int], list[str]]
"""The command line of a child that serves the OpenAI API on 127.0.0.1 at the given port."""

_GUARD = """
import ctypes, os, signal, sys
parent = int(sys.argv[1])
if sys.platform.startswith("linux"):
    ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
if os.getppid() != parent:
    sys.exit(1)
os.execvp(sys.argv[2], sys.argv[2:])
"""
"""Runs before the child's own program, in the child: the death signal it sets survives exec,
so the server is killed when the service's supervising thread (and so the service) is gone."""

_WAIT_SLICE = 0.1
"""Seconds between deadline checks while a caller waits for the child (a cancel is seen that soon)."""


@dataclass(frozen=True)
class ChildSpec:
    """What to run and how to watch it."""

    command: ChildCommand
    ready_path: str = "/v1/models"
    """Answers 200 once the model is loaded (llama-cpp-python loads it before it listens)."""
    probe_path: str = "/docs"
    """Answers while the server lives, even mid-generation (``/v1/models`` waits for the model)."""
    start_timeout: float = 180.0
    probe_interval: float = 2.0
    probe_timeout: float = 5.0
    probe_failures: int = 2
    """Unanswered probes in a row that make a hang."""
    start_attempts: int = 3
    """Failed starts in a row after which the child is given up ("failed")."""
    stop_grace: float = 3.0
    """Seconds between SIGTERM and SIGKILL when the service stops."""


def llama_server_spec(settings: Settings) -> ChildSpec:
    """llama-cpp-python's server with the model and sizes the settings give ``local``."""

    def command(port: int) -> list[str]:
        threads = str(local_threads(settings))
        return [
            sys.executable, "-m", "summarizer.model.llama_server",
            "--model", str(local_model_file(settings)),
            "--model_alias", model_name(settings),
            "--host", "127.0.0.1", "--port", str(port),
            "--n_ctx", str(settings.context_window),
            "--n_threads", threads, "--n_threads_batch", threads,
            "--logits_all", "false", "--interrupt_requests", "false", "--verbose", "false",
        ]  # fmt: skip

    return ChildSpec(command=command)


def command_template(template: str) -> ChildCommand:
    """A command from a shell-like template with ``{port}`` and ``{python}`` (this interpreter)."""
    words = shlex.split(template)

    def command(port: int) -> list[str]:
        return [w.replace("{port}", str(port)).replace("{python}", sys.executable) for w in words]

    return command


class ModelChild:
    """Starts, watches and restarts one child process; thread-safe.

    One supervising thread owns the process (it must: the death signal is tied to the thread
    that started the child). Callers only wait for it (`wait_ready`) and report what they saw
    (`report`)."""

    def __init__(self, spec: ChildSpec) -> None:
        self.spec = spec
        self.restarts = 0
        self._changed = threading.Condition()
        self._status: Status = "stopped"
        self._detail: str | None = None
        self._url: str | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None
        self._hang: str | None = None
        self._look = False
        self._stopping = False
        self._thread: threading.Thread | None = None
        self.http = httpx.Client(trust_env=False)
        """For loopback calls to the child (never through a proxy the environment names)."""

    @property
    def status(self) -> Status:
        return self._status

    @property
    def detail(self) -> str | None:
        """Why the child is not ready (the last problem seen), or None."""
        return self._detail

    @property
    def pid(self) -> int | None:
        process = self._process
        return None if process is None else process.pid

    def start(self) -> None:
        """Starts supervising (and so the child) in the background; returns at once."""
        with self._changed:
            if self._thread is not None:
                return
            self._status = "starting"
            self._thread = threading.Thread(target=self._supervise, name="model-child", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stops the child (SIGTERM, then SIGKILL after the spec's grace) and the supervising."""
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=self.spec.stop_grace + 10)
        self._end_process(gently=True)
        self.http.close()

    def wait_ready(self) -> str:
        """The child's base URL once it answers. Waits through a start or a restart for as long
        as the caller's deadline allows (`DeadlineExceeded`); `ModelError` if it was given up."""
        with self._changed:
            while self._status != "ready" or self._url is None or self._look:
                if self._status in ("failed", "stopped"):
                    reason = f": {self._detail}" if self._detail else ""
                    raise ModelError(f"the local model process is {self._status}{reason}", provider="local")
                check_deadline("local")
                left = time_left()
                self._changed.wait(_WAIT_SLICE if left is None else max(0.0, min(_WAIT_SLICE, left)))
            return self._url

    def report(self, url: str, problem: str, *, hung: bool) -> None:
        """A caller's trouble with the child at ``url``: a call that hung has it restarted; a
        connection that failed has the supervisor look at once (the process may have died),
        and callers wait for its verdict rather than spend their retries on a dead process."""
        with self._changed:
            if url != self._url or self._status != "ready":
                return  # an older child's, or already being dealt with
            if hung:
                self._hang = problem
            else:
                self._look = True
            self._changed.notify_all()

    def _supervise(self) -> None:
        failures = 0
        try:
            while not self._stopping:
                problem = self._launch()
                if self._stopping_now():
                    break
                if problem is None:
                    failures = 0
                    problem = self._watch()
                    if problem is None:
                        break
                    self.restarts += 1
                else:
                    failures += 1
                gave_up = failures >= self.spec.start_attempts
                self._set("failed" if gave_up else "restarting", problem)
                log.warning("the model process %s; %s", problem, "giving up" if gave_up else "restarting it")
                self._end_process(gently=False)
                if gave_up:
                    return
                if failures:
                    self._pause(min(10.0, 2.0**failures))
        except Exception:
            log.exception("the model process supervisor failed")
            self._set("failed", "its supervisor failed; see the service log")
        finally:
            self._end_process(gently=True)
            if self._status != "failed":
                self._set("stopped", None)

    def _launch(self) -> str | None:
        """Starts a child and waits until it answers: None once it does, else what went wrong."""
        port = _free_port()
        try:
            argv = self.spec.command(port)
        except SummarizerError as exc:
            return f"cannot be started: {exc}"
        stderr = tempfile.TemporaryFile()  # noqa: SIM115 (open for the child's life, closed when it ends)
        try:
            process = subprocess.Popen(
                [sys.executable, "-c", _GUARD, str(os.getpid()), *argv],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                start_new_session=True,  # a Ctrl-C in the terminal goes to the service, which stops it
            )
        except OSError as exc:
            stderr.close()
            return f"cannot be started: {exc}"
        with self._changed:
            self._process, self._stderr = process, stderr
        url = f"http://127.0.0.1:{port}"
        until = time.monotonic() + self.spec.start_timeout
        while not self._stopping:
            if process.poll() is not None:
                return self._exited(process)
            if self._answers(url + self.spec.ready_path):
                self._set("ready", None, url)
                log.info("the model process is ready (pid %d, port %d)", process.pid, port)
                return None
            if time.monotonic() > until:
                return f"did not answer within {self.spec.start_timeout:g} s of starting"
            self._pause(_WAIT_SLICE)
        return None

    def _watch(self) -> str | None:
        """Watches the ready child: why it must be restarted, or None when supervising stops."""
        process, url = self._process, self._url
        if process is None or url is None:
            return "was not running"
        misses, next_probe = 0, time.monotonic() + self.spec.probe_interval
        while True:
            with self._changed:
                if self._stopping:
                    return None
                hang, look = self._hang, self._look
            if hang is not None:
                return hang
            if process.poll() is not None:
                return self._exited(process)
            if look or time.monotonic() >= next_probe:
                misses = 0 if self._answers(url + self.spec.probe_path) else misses + 1
                next_probe = time.monotonic() + self.spec.probe_interval
                if misses >= self.spec.probe_failures:
                    return f"stopped answering its health probe ({misses} in a row)"
                if look and misses == 0:
                    self._looked()  # alive and answering: the callers may go on
                elif look:
                    next_probe = time.monotonic()  # probe again at once: it decides soon
            self._pause(min(0.2, self.spec.probe_interval))

    def _looked(self) -> None:
        with self._changed:
            self._look = False
            self._changed.notify_all()

    def _answers(self, url: str) -> bool:
        try:
            return self.http.get(url, timeout=self.spec.probe_timeout).status_code == 200
        except httpx.HTTPError:
            return False

    def _exited(self, process: subprocess.Popen[bytes]) -> str:
        code = process.returncode
        how = f"was killed by {signal.Signals(-code).name}" if code < 0 else f"exited with code {code}"
        last = _last_line(self._stderr)
        return f"{how}{': ' + last if last else ''}"

    def _stopping_now(self) -> bool:
        with self._changed:
            return self._stopping

    def _set(self, status: Status, detail: str | None, url: str | None = None) -> None:
        with self._changed:
            self._status, self._detail, self._url = status, detail, url
            self._hang, self._look = None, False  # about the child before, if any
            self._changed.notify_all()

    def _pause(self, seconds: float) -> None:
        """Sleeps, but wakes for a stop or a caller's report."""
        with self._changed:
            self._changed.wait_for(lambda: self._stopping or self._hang, timeout=seconds)

    def _end_process(self, *, gently: bool) -> None:
        with self._changed:
            process, stderr = self._process, self._stderr
            self._process = self._stderr = None
        if process is not None:
            _end(process, self.spec.stop_grace if gently else 0.0)
        if stderr is not None:
            stderr.close()


def _end(process: subprocess.Popen[bytes], grace: float) -> None:
    """Ends a child: SIGTERM and ``grace`` seconds to finish, then SIGKILL (at once without grace)."""
    if process.poll() is not None:
        return
    if grace > 0:
        process.terminate()
        try:
            process.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            pass
    process.kill()
    process.wait()


def _last_line(stream: IO[bytes] | None) -> str:
    """The last line the child wrote to stderr (why it died, often), cut short."""
    if stream is None:
        return ""
    try:
        stream.seek(max(0, stream.seek(0, os.SEEK_END) - 4096))
        lines = stream.read().decode("utf-8", "replace").strip().splitlines()
    except (OSError, ValueError):
        return ""
    return lines[-1].strip()[:300] if lines else ""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ChildTransport:
    """The openai transport, streaming, to whichever child is up. Each call waits for the child
    (within the caller's deadline); a call that times out on its own limit reports a hang, one
    whose connection fails reports that; both errors are transient, so the call is retried,
    on the restarted child."""

    def __init__(self, child: ModelChild, settings: Settings) -> None:
        self._child = child
        self._settings = settings
        self._url = ""
        self._transport: OpenAITransport | None = None
        self._client: openai.OpenAI | None = None
        self._lock = threading.Lock()

    def __call__(self, **request: Any) -> ChatCompletion:
        url = self._child.wait_ready()
        left = time_left()
        limited_by_deadline = left is not None and left < self._settings.timeout
        try:
            completion = self._for(url)(**request)
        except openai.APITimeoutError:
            if limited_by_deadline:  # the caller's time ran out, not the child's
                check_deadline("local")
                raise DeadlineExceeded("the request's time limit ran out", provider="local") from None
            self._child.report(url, f"did not answer a call within {self._settings.timeout:g} s", hung=True)
            raise
        except openai.APIConnectionError:
            self._child.report(url, "refused or broke a connection", hung=False)
            raise
        if completion.usage is not None and not completion.usage.prompt_tokens:
            usage = completion.usage
            usage.prompt_tokens = self._prompt_tokens(request)
            usage.total_tokens = usage.prompt_tokens + usage.completion_tokens
        return completion

    def count_tokens(self, text: str) -> int:
        """Tokens by the child's own tokenizer (llama-cpp-python's ``/extras/tokenize/count``),
        trying again on a restarted child if the connection fails."""
        for _ in range(self._settings.attempts):
            url = self._child.wait_ready()
            left = time_left()
            timeout = self._settings.timeout if left is None else max(0.1, min(left, self._settings.timeout))
            try:
                reply = self._child.http.post(
                    f"{url}/extras/tokenize/count", json={"input": text}, timeout=timeout
                )
            except httpx.HTTPError:
                check_deadline("local")
                self._child.report(url, "refused or broke a connection", hung=False)
                continue
            if reply.status_code != 200:
                raise ModelError(f"the local model process could not count tokens (HTTP {reply.status_code})")
            return int(reply.json()["count"])
        raise ModelError("the local model process did not answer a token count", provider="local")

    def _prompt_tokens(self, request: dict[str, Any]) -> int:
        """The prompt's tokens, counted by the child, since a streamed answer does not say (the
        chat template's few tokens aside); 0 when the count fails (it is only bookkeeping)."""
        text = "\n".join(str(m.get("content", "")) for m in request.get("messages", []))
        try:
            return self.count_tokens(text)
        except SummarizerError:
            return 0

    def _for(self, url: str) -> OpenAITransport:
        """The transport to the child at ``url`` (a restarted child listens on a new port)."""
        with self._lock:
            if self._transport is None or url != self._url:
                if self._client is not None:
                    self._client.close()  # the old child's; a call still on it fails either way
                client = self._client = openai.OpenAI(
                    api_key="local",
                    base_url=f"{url}/v1",
                    timeout=self._settings.timeout,
                    max_retries=0,
                    http_client=openai.DefaultHttpxClient(trust_env=False),
                )
                self._url = url
                self._transport = OpenAITransport(client, "json_object", stream=True, provider="local")
            return self._transport


def open_child_model(settings: Settings, child: ModelChild) -> StructuredModel:
    """The ``local`` model served by ``child``: records still say provider ``local`` and the
    model's name, as when it runs in process."""
    transport = ChildTransport(child, settings)
    return StructuredModel(
        provider="local",
        model=model_name(settings),
        transport=with_response_cache(settings, transport),
        settings=settings,
        count_tokens=transport.count_tokens,
        context_window=settings.context_window,
    )
