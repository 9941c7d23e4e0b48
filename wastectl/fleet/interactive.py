"""`wastectl ssh NODE`: an interactive shell with a pty that follows the local terminal's size."""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import signal
import sys
from collections.abc import Iterator
from types import FrameType
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    import paramiko

    from wastectl.nodes.ssh import Connection


def _size(fd: int) -> tuple[int, int]:
    try:
        size = os.get_terminal_size(fd)
    except OSError:
        size = shutil.get_terminal_size((80, 24))
    return size.columns, size.lines


@contextlib.contextmanager
def _raw(fd: int) -> Iterator[None]:
    if not os.isatty(fd):
        yield
        return
    import termios
    import tty

    saved = termios.tcgetattr(fd)
    try:
        tty.setraw(fd, termios.TCSANOW)  # keep typeahead (TCSAFLUSH would drop it)
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


@contextlib.contextmanager
def _follow_resize(channel: paramiko.Channel, fd: int) -> Iterator[None]:
    def on_winch(signum: int, frame: FrameType | None) -> None:
        cols, rows = _size(fd)
        channel.resize_pty(width=cols, height=rows)

    previous = signal.signal(signal.SIGWINCH, on_winch)
    try:
        yield
    finally:
        signal.signal(signal.SIGWINCH, previous)


def shell(conn: Connection) -> int:
    """Pump bytes between the local terminal and a remote login shell; return its exit status."""
    fd_in, fd_out = sys.stdin.fileno(), sys.stdout.fileno()
    cols, rows = _size(fd_in)
    channel = conn.open_session()
    channel.get_pty(term=os.environ.get("TERM", "xterm-256color"), width=cols, height=rows)
    channel.invoke_shell()
    stdin_open = True
    with _raw(fd_in), _follow_resize(channel, fd_in):
        while True:
            readers: list[Any] = [channel, fd_in] if stdin_open else [channel]
            ready, _, _ = select.select(readers, [], [], 0.5)
            if channel in ready or channel.recv_ready():
                data = channel.recv(65536)
                if not data:
                    break
                os.write(fd_out, data)
            if stdin_open and fd_in in ready:
                data = os.read(fd_in, 4096)
                if data:
                    channel.sendall(data)
                else:
                    stdin_open = False
                    channel.shutdown_write()
            if channel.exit_status_ready() and not channel.recv_ready():
                break
    return channel.recv_exit_status()


def _write(stream: TextIO, data: bytes) -> None:
    buffer = getattr(stream, "buffer", None)
    if buffer is not None:
        stream.flush()
        buffer.write(data)
        buffer.flush()
    else:
        stream.write(data.decode(errors="replace"))
        stream.flush()


def _stdin_fd() -> int | None:
    """The local stdin's descriptor, or None when there is none to read (closed, or a test capture)."""
    try:
        fd = sys.stdin.fileno()
    except (AttributeError, OSError, ValueError):
        return None
    return fd


def run_streaming(conn: Connection, command: str, *, pty: bool) -> int:
    """`wastectl ssh NODE -- CMD`: stream stdout/stderr through as they arrive, forward stdin (a pipe
    or a file: `bash -s < script`; keystrokes in raw mode with a pty); return the exit status."""
    channel = conn.open_session()
    fd = _stdin_fd()
    if pty:
        cols, rows = _size(fd if fd is not None else 0)
        channel.get_pty(term=os.environ.get("TERM", "xterm-256color"), width=cols, height=rows)
    channel.exec_command(command)
    stdin_open = fd is not None
    if not stdin_open:
        channel.shutdown_write()
    raw = _raw(fd) if pty and fd is not None else contextlib.nullcontext()
    try:
        with raw:
            while True:
                readers: list[Any] = [channel, fd] if stdin_open else [channel]
                ready, _, _ = select.select(readers, [], [], 0.1)
                if stdin_open and fd is not None and fd in ready:
                    data = os.read(fd, 65536)
                    if data:
                        channel.sendall(data)
                    else:  # EOF: the remote command sees its stdin end (a pty gets ^D)
                        stdin_open = False
                        if pty:
                            channel.sendall(b"\x04")
                        else:
                            channel.shutdown_write()
                while channel.recv_stderr_ready():
                    _write(sys.stderr, channel.recv_stderr(65536))
                if channel.recv_ready():
                    data = channel.recv(65536)
                    if not data:
                        break
                    _write(sys.stdout, data)
                    continue
                if (
                    channel.exit_status_ready()
                    and not channel.recv_ready()
                    and not channel.recv_stderr_ready()
                ):
                    break
        while channel.recv_stderr_ready():
            _write(sys.stderr, channel.recv_stderr(65536))
        while channel.recv_ready():
            _write(sys.stdout, channel.recv(65536))
        return channel.recv_exit_status()
    finally:
        channel.close()
