#!/usr/bin/python3
"""Stand-ins for what a lab node cannot have: systemd as PID 1, kernel modules, swap.

Installed (as systemctl, modprobe, swapoff) in the node's /usr/local/sbin, first on PATH. Each
call is recorded in /var/log/lab-standins.log; state lives in the node's own root, so the tools
answer like the real ones would after the same calls.
"""

import os
import sys
import time
from pathlib import Path

STATE = Path("/var/lib/lab-systemd")
UNIT_DIRS = (Path("/etc/systemd/system"), Path("/lib/systemd/system"), Path("/usr/lib/systemd/system"))


def record(tool, args):
    with open("/var/log/lab-standins.log", "a") as log:
        log.write(f"{time.time():.3f}\t{tool}\t{' '.join(args)}\n")


def unit_name(name):
    return name if "." in name else name + ".service"


def unit_file(unit):
    return next((d / unit for d in UNIT_DIRS if (d / unit).is_file()), None)


def flag(unit, what):
    return (STATE / f"{unit}.{what}").is_file()


def set_flag(unit, what, on):
    STATE.mkdir(parents=True, exist_ok=True)
    path = STATE / f"{unit}.{what}"
    if on:
        path.touch()
    else:
        path.unlink(missing_ok=True)


def systemctl(args):
    words = [a for a in args if not a.startswith("-")]
    if not words:
        return 0
    verb, units = words[0], [unit_name(u) for u in words[1:]]
    if verb == "daemon-reload":
        return 0
    if verb == "show":
        for unit in units:
            found = unit_file(unit) is not None
            active = flag(unit, "active")
            print(f"Id={unit}")
            print(f"LoadState={'loaded' if found else 'not-found'}")
            print(f"ActiveState={'active' if active else 'inactive'}")
            print(f"SubState={'running' if active else 'dead'}")
            state = ("enabled" if flag(unit, "enabled") else "disabled") if found else ""
            print(f"UnitFileState={state}")
        return 0
    for unit in units:
        if unit_file(unit) is None:
            print(f"Failed to {verb} {unit}: Unit {unit} not found.", file=sys.stderr)
            return 4 if verb in ("is-active", "is-enabled") else 5
    if verb == "is-enabled":
        on = all(flag(u, "enabled") for u in units)
        print("enabled" if on else "disabled")
        return 0 if on else 1
    if verb == "is-active":
        on = all(flag(u, "active") for u in units)
        print("active" if on else "inactive")
        return 0 if on else 3
    for unit in units:
        if verb in ("start", "restart", "reload", "reload-or-restart", "try-restart"):
            set_flag(unit, "active", True)
        elif verb == "stop":
            set_flag(unit, "active", False)
        elif verb in ("enable", "disable"):
            set_flag(unit, "enabled", verb == "enable")
        elif verb in ("mask", "unmask"):
            pass
        else:
            print(f"systemctl stand-in: unsupported verb {verb}", file=sys.stderr)
            return 1
    return 0


def modprobe(args):
    for name in [a for a in args if not a.startswith("-")]:
        Path("/sys/module", name).mkdir(parents=True, exist_ok=True)
    return 0


def lsmod():
    print("Module                  Size  Used by")
    for module in sorted(Path("/sys/module").glob("*")):
        print(f"{module.name:<24}{16384:>6}  0")
    return 0


def main():
    tool, args = os.path.basename(sys.argv[0]), sys.argv[1:]
    record(tool, args)
    if tool == "systemctl":
        return systemctl(args)
    if tool == "modprobe":
        return modprobe(args)
    if tool == "lsmod":
        return lsmod()
    return 0  # swapoff: the kernel's swap is the host's; never touch it


if __name__ == "__main__":
    sys.exit(main())
