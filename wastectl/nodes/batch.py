"""Run many commands on a node in one SSH round trip, concurrently, each under `timeout`.

Every command's stdout, stderr and exit status come back separately, framed by a random marker
that cannot collide with command output.
"""

from __future__ import annotations

import secrets
import shlex
import time

from wastectl.nodes.ssh import CommandResult, Connection


def build_script(commands: dict[str, float], marker: str) -> str:
    # A signal would end sh without running its EXIT trap (the client gone: SIGPIPE on the next
    # printf, or SIGHUP/SIGTERM): turn each into an exit so the scratch directory goes too.
    lines = [
        "t=$(mktemp -d) || exit 97",
        "trap 'rm -rf \"$t\"' EXIT",
        "trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 141' PIPE; trap 'exit 143' TERM",
    ]
    for index, (command, timeout) in enumerate(commands.items()):
        lines.append(
            f'( timeout {max(timeout, 0.1):g} sh -c {shlex.quote(command)} >"$t/o{index}" 2>"$t/e{index}" '
            f'</dev/null; echo $? >"$t/s{index}" ) &'
        )
    lines.append("wait")
    for index in range(len(commands)):
        lines.append(
            f'printf "\\n{marker} out {index}\\n"; cat "$t/o{index}"; printf "\\n{marker} err\\n"; '
            f'cat "$t/e{index}"; printf "\\n{marker} rc %s\\n" "$(cat "$t/s{index}")"'
        )
    return "\n".join(lines) + "\n"


def parse(output: str, commands: list[str], marker: str, seconds: float) -> dict[str, CommandResult]:
    results: dict[str, CommandResult] = {}
    for index, command in enumerate(commands):
        head = f"\n{marker} out {index}\n"
        start = output.find(head)
        if start < 0:
            results[command] = CommandResult(255, "", "no result from the node", seconds)
            continue
        body = output[start + len(head) :]
        out, _, rest = body.partition(f"\n{marker} err\n")
        err, _, tail = rest.partition(f"\n{marker} rc ")
        code = tail.split("\n", 1)[0].strip()
        results[command] = CommandResult(int(code) if code.isdigit() else 255, out, err, seconds)
    return results


def run_batch(conn: Connection, commands: dict[str, float]) -> dict[str, CommandResult]:
    if not commands:
        return {}
    marker = "@@wastectl-" + secrets.token_hex(8)
    started = time.monotonic()
    script = build_script(commands, marker)
    result = conn.run("sh -s", stdin=script.encode(), timeout=max(commands.values()) + 15)
    if result.exit_status == 97:
        raise RuntimeError(f"mktemp failed on {conn.node.name}: {result.stderr.strip()[:200]}")
    return parse(result.stdout, list(commands), marker, time.monotonic() - started)
