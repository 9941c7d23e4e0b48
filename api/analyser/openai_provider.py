"""`openai` and `openai-compatible` analysers: one structured-output Chat Completions call.

SDK retries are off (`max_retries=0`): the task runner owns retries, so one failure is never
multiplied by the SDK's own attempts. SDK errors are mapped to transient/permanent here.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from api.analyser.base import Analysis, PermanentAnalyserError, TransientAnalyserError
from api.analyser.catalogue import catalogue_text
from api.analyser.schema import SchemaViolation, parse_response, response_format
from api.settings import Settings

if TYPE_CHECKING:
    from api.knowledge.bundle import KnowledgeBundle

SYSTEM_PROMPT = (
    "You identify household waste in a photo for Korean separate-collection rules. "
    "List each distinct object (at most 5). For each: item_id = the catalogue entry below that it is "
    '(or "unknown" when none fits or you are unsure), a short Korean label, the material, and what '
    "you can actually see: transparency, packaging_label (plastic label on/off), cap on/off, "
    "contamination (none, light, heavy), "
    "broken, mixed_materials (parts of other materials that cannot be taken off), contents left. "
    'Answer "unknown" for any attribute the photo does not show; never guess. category_id is your '
    "best guess of the category. confidence is how sure you are of item_id. "
    "Give no disposal advice: it comes from our knowledge base. Use the user's note as a hint only.\n"
    "Catalogue, one line per category_id: item_id Korean name, item_id Korean name, ...\n"
)
REPAIR_PROMPT = (
    "Your previous answer could not be used ({error}). Answer again with only JSON that follows the "
    "schema exactly."
)


def _map_sdk_error(exc: Exception) -> Exception:
    import openai

    if isinstance(exc, openai.RateLimitError):
        if exc.code == "insufficient_quota":
            return PermanentAnalyserError("quota_exhausted", "the provider account has no quota left")
        return TransientAnalyserError("rate_limited", "the provider rate limit was hit (429)")
    if isinstance(exc, openai.APITimeoutError):
        return TransientAnalyserError("timeout", "the provider did not answer in time")
    if isinstance(exc, openai.APIConnectionError):
        return TransientAnalyserError("connection_error", f"could not reach the provider: {exc}")
    if isinstance(exc, openai.InternalServerError):
        return TransientAnalyserError("upstream_error", f"the provider failed ({exc.status_code})")
    if isinstance(exc, openai.APIStatusError):
        if exc.status_code in (408, 409):
            return TransientAnalyserError("upstream_error", f"the provider answered {exc.status_code}")
        return PermanentAnalyserError(
            "provider_rejected", f"the provider refused the request ({exc.status_code})"
        )
    return exc


class OpenAIAnalyser:
    def __init__(self, settings: Settings, bundle: KnowledgeBundle, *, name: str = "openai") -> None:
        from openai import OpenAI

        self.name = name
        self.settings = settings
        self.model = settings.openai_model
        self.category_ids = set(bundle.category_ids())
        self.item_ids = {item.id for item in bundle.items}
        self.system_prompt = SYSTEM_PROMPT + catalogue_text(bundle)
        self.response_format = response_format(self.item_ids, self.category_ids)
        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else "not-needed"
        self.client = OpenAI(
            api_key=key,
            base_url=settings.openai_base_url,
            max_retries=0,
            timeout=settings.openai_timeout_seconds,
        )

    def _call(self, messages: list[dict[str, Any]]) -> Any:
        try:
            return self.client.chat.completions.create(  # type: ignore[call-overload]
                model=self.model,
                messages=messages,
                response_format=self.response_format,
                max_tokens=self.settings.openai_max_output_tokens,
                temperature=0,
            )
        except Exception as exc:
            mapped = _map_sdk_error(exc)
            if mapped is exc:
                raise
            raise mapped from exc

    def analyse(self, *, image: bytes, content_type: str, note: str | None) -> Analysis:
        data_url = f"data:{content_type};base64,{base64.b64encode(image).decode()}"
        user_content: list[dict[str, Any]] = [
            {"type": "text", "text": f"User note: {note}" if note else "No note."},
            {
                "type": "image_url",
                "image_url": {"url": data_url, "detail": self.settings.openai_image_detail},
            },
        ]
        messages: list[dict[str, Any]] = [
            {"role": "system", "content": self.system_prompt},
            {"role": "user", "content": user_content},
        ]
        prompt_tokens = completion_tokens = 0
        notes: list[str] = []
        for attempt in (1, 2):
            completion = self._call(messages)
            if completion.usage is not None:
                prompt_tokens += completion.usage.prompt_tokens
                completion_tokens += completion.usage.completion_tokens
            message = completion.choices[0].message
            if getattr(message, "refusal", None):
                raise PermanentAnalyserError("refused", f"the model refused: {message.refusal}")
            try:
                items = parse_response(message.content, self.item_ids, self.category_ids)
            except SchemaViolation as exc:
                if attempt == 2:
                    raise PermanentAnalyserError(
                        "invalid_output",
                        f"the model's answer broke the schema after one repair attempt: {exc}",
                    ) from None
                notes.append(f"repair attempt after: {exc}")
                messages.append({"role": "assistant", "content": message.content or ""})
                messages.append({"role": "user", "content": REPAIR_PROMPT.format(error=exc)})
                continue
            return Analysis(
                provider=self.name,
                model=str(completion.model or self.model),
                items=items,
                prompt_tokens=prompt_tokens,
                completion_tokens=completion_tokens,
                notes=notes,
            )
        raise AssertionError("unreachable")
