"""Size of what the vision prompt carries for grounding: the instructions, the item catalogue and
the strict schema, against the budget stated in docs/knowledge-base.md. Exit 0 within, 1 over.

Counted with the o200k_base tokenizer of the default model (gpt-4o) when `tiktoken` and
`bpe-openai` are installed (bench/requirements.txt): tiktoken is the reference encoder, and
bpe-openai ships the o200k_base BPE file that tiktoken would otherwise download, checked here
against the sha256 tiktoken pins for it. Without them the count is the calibrated
`estimate_tokens`, and the budget must then hold with its worst calibration error added.

The schema is counted as the compact JSON the OpenAI SDK sends; how the provider renders it into
the model's context is not public, so that part is an approximation either way.

    python bench/prompt_catalogue.py
"""

from __future__ import annotations

import gzip
import hashlib
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from api.analyser.catalogue import (
    ESTIMATE_ERROR,
    TOKEN_BUDGET,
    catalogue_lines,
    estimate_tokens,
    grounding_parts,
)
from api.analyser.openai_provider import SYSTEM_PROMPT
from api.knowledge import load_bundle

O200K_URL = "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken"


def o200k_counter() -> Callable[[str], int] | None:
    """tiktoken's o200k_base, its BPE file taken from bpe-openai's package data; None if absent."""
    try:
        import bpe_openai
        import tiktoken
    except ImportError:
        return None
    packaged = Path(bpe_openai.__file__).parent / "data" / "o200k_base.tiktoken.gz"
    # tiktoken reads its cache file named by the sha1 of the URL and checks the content's sha256
    # against the hash it pins, so a wrong file fails here instead of miscounting.
    cache = Path(tempfile.mkdtemp(prefix="tiktoken-"))
    (cache / hashlib.sha1(O200K_URL.encode()).hexdigest()).write_bytes(gzip.decompress(packaged.read_bytes()))
    os.environ["TIKTOKEN_CACHE_DIR"] = str(cache)
    encoding = tiktoken.get_encoding("o200k_base")
    return lambda text: len(encoding.encode(text))


def main() -> int:
    bundle = load_bundle()
    parts = grounding_parts(bundle, SYSTEM_PROMPT)
    count = o200k_counter()
    sys.stdout.write(f"{len(bundle.items)} items in {len(catalogue_lines(bundle))} catalogue lines\n")
    real = estimated = 0
    for name, text in parts.items():
        estimate = estimate_tokens(text)
        estimated += estimate
        measured = f"{count(text):5} o200k tokens" if count else "    (no tokenizer)"
        real += count(text) if count else 0
        sys.stdout.write(f"  {name:16} {len(text):6} chars  {measured}  ~{estimate:5} estimated\n")
    if count:
        total, how = real, "o200k"
        per_item = (count(parts["item catalogue"]) + count(parts["response schema"])) / len(bundle.items)
    else:
        total, how = round(estimated * (1 + ESTIMATE_ERROR)), f"estimate + {ESTIMATE_ERROR:.0%}"
        per_item = (estimated - estimate_tokens(SYSTEM_PROMPT)) / len(bundle.items)
    verdict = "within" if total <= TOKEN_BUDGET else "OVER"
    sys.stdout.write(
        f"  total            {total} tokens ({how}); ~{per_item:.1f} per item (catalogue + schema enum)\n"
        f"  budget {TOKEN_BUDGET}: {verdict}; room for ~{int((TOKEN_BUDGET - total) / per_item)} more items\n"
    )
    return 0 if total <= TOKEN_BUDGET else 1


if __name__ == "__main__":
    sys.exit(main())
