"""Mask secrets in text that is logged or printed: command lines, URLs, headers, `--set` values.

One place, so the per-run log, dry-run plans and error lines all mask the same way. Masking is
textual on purpose: it also catches a secret inside a library's error message.
"""

from __future__ import annotations

import re

MASK = "***"
_SECRET_WORD = (
    r"(?:password|passwd|pass|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credentials?)"
)

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # scheme://user:password@host  (database, broker, redis and management URLs)
    (re.compile(r"(?P<keep>[a-z][a-z0-9+.-]*://[^:@/\s]*:)[^@/\s]+(?=@)", re.IGNORECASE), rf"\g<keep>{MASK}"),
    # Authorization: Bearer xyz / Basic xyz, and a bare "Bearer xyz"
    (
        re.compile(r"(?P<keep>\b(?:Bearer|Basic|Token)\s+)[A-Za-z0-9._~+/=-]+", re.IGNORECASE),
        rf"\g<keep>{MASK}",
    ),
    # --set db.password=xyz, KEY_TOKEN=xyz, password: xyz, "secret": "xyz"
    (
        re.compile(
            rf"(?P<keep>[\w.\-]*{_SECRET_WORD}[\w.\-]*\"?\s*[=:]\s*\"?)(?!\*\*\*)[^\s\",;&]+", re.IGNORECASE
        ),
        rf"\g<keep>{MASK}",
    ),
    # --password xyz / --token=xyz / --db-password xyz
    (
        re.compile(rf"(?P<keep>--[\w-]*{_SECRET_WORD}[\w-]*(?:=|\s+))(?!\*\*\*)(?!-)\S+", re.IGNORECASE),
        rf"\g<keep>{MASK}",
    ),
)


def redact(text: str) -> str:
    """`text` with every password, token and secret value replaced by `***`."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def redact_argv(argv: list[str]) -> str:
    """A command line for the log: `--password X` as two words is masked too."""
    out: list[str] = []
    mask_next = False
    for arg in argv:
        if mask_next:
            out.append(MASK)
            mask_next = False
            continue
        if re.fullmatch(rf"--[\w-]*{_SECRET_WORD}[\w-]*", arg, re.IGNORECASE):
            mask_next = True
        out.append(redact(arg))
    return " ".join(out)
