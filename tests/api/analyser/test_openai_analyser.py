"""The OpenAI analyser against a fake OpenAI-compatible server: request shape, error mapping, repair."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import pytest

from api.analyser.base import PermanentAnalyserError, TransientAnalyserError
from api.analyser.factory import make_analyser
from api.analyser.offline import OfflineAnalyser
from api.analyser.openai_provider import OpenAIAnalyser
from api.knowledge import load_bundle
from api.settings import Settings
from tests.api.analyser.fake_openai import FakeOpenAI
from tests.api.scans import imagegen

IMAGE = imagegen.jpeg()


@pytest.fixture
def analyser(
    make_settings: Callable[..., Settings], fake_openai: FakeOpenAI
) -> Callable[..., OpenAIAnalyser]:
    def build(**overrides: Any) -> OpenAIAnalyser:
        values: dict[str, Any] = {"openai_api_key": "sk-test", "openai_base_url": fake_openai.base_url}
        values.update(overrides)
        built = make_analyser(make_settings(**values), load_bundle())
        assert isinstance(built, OpenAIAnalyser)
        return built

    return build


def test_one_structured_call_with_the_image_and_kb_enum(analyser: Callable[..., OpenAIAnalyser],
                                                         fake_openai: FakeOpenAI) -> None:  # fmt: skip
    result = analyser().analyse(image=IMAGE, content_type="image/jpeg", note="음료수 병")
    assert fake_openai.problems == []
    assert fake_openai.count == 1
    body = fake_openai.requests[0]["body"]
    enum = body["response_format"]["json_schema"]["schema"]["properties"]["items"]["items"]["properties"][
        "category_id"
    ]["enum"]
    assert set(enum) == set(load_bundle().category_ids())
    assert "음료수 병" in body["messages"][1]["content"][0]["text"]
    assert result.provider == "openai" and result.model == "gpt-4o"
    assert [(i.label, i.category_id, i.confidence) for i in result.items] == [
        ("투명 페트병", "pet_clear", 0.93)
    ]
    assert (result.prompt_tokens, result.completion_tokens) == (120, 40)
    assert not result.offline


def test_detail_is_configurable(analyser: Callable[..., OpenAIAnalyser], fake_openai: FakeOpenAI) -> None:
    fake_openai.detail = "high"
    try:
        analyser(openai_image_detail="high").analyse(image=IMAGE, content_type="image/jpeg", note=None)
    finally:
        fake_openai.detail = "low"
    assert fake_openai.problems == []


@pytest.mark.parametrize(
    ("behaviour", "error", "code"),
    [
        ("429", TransientAnalyserError, "rate_limited"),
        ("500", TransientAnalyserError, "upstream_error"),
        ("quota", PermanentAnalyserError, "quota_exhausted"),
        ("refusal", PermanentAnalyserError, "refused"),
    ],
)
def test_errors_are_mapped_and_never_retried_by_the_sdk(
    analyser: Callable[..., OpenAIAnalyser], fake_openai: FakeOpenAI, behaviour: str, error: type, code: str
) -> None:
    fake_openai.script(behaviour)
    with pytest.raises(error) as caught:
        analyser().analyse(image=IMAGE, content_type="image/jpeg", note=None)
    assert caught.value.code == code
    assert fake_openai.count == 1  # max_retries=0: the task runner owns retries


def test_timeout_is_transient(analyser: Callable[..., OpenAIAnalyser], fake_openai: FakeOpenAI) -> None:
    fake_openai.timeout_seconds = 1.5
    fake_openai.script("timeout")
    with pytest.raises(TransientAnalyserError) as caught:
        analyser(openai_timeout_seconds=0.3).analyse(image=IMAGE, content_type="image/jpeg", note=None)
    assert caught.value.code == "timeout"


def test_connection_error_is_transient(analyser: Callable[..., OpenAIAnalyser]) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    closed = f"http://127.0.0.1:{port}/v1"
    with pytest.raises(TransientAnalyserError) as caught:
        analyser(openai_base_url=closed).analyse(image=IMAGE, content_type="image/jpeg", note=None)
    assert caught.value.code in ("connection_error", "timeout")


def test_invalid_json_gets_one_repair_attempt(
    analyser: Callable[..., OpenAIAnalyser], fake_openai: FakeOpenAI
) -> None:
    fake_openai.script("invalid_json")
    result = analyser().analyse(image=IMAGE, content_type="image/jpeg", note=None)
    assert fake_openai.count == 2
    repair = fake_openai.requests[1]["body"]["messages"]
    assert repair[-2]["role"] == "assistant" and "not valid JSON" in repair[-1]["content"]
    assert result.items[0].category_id == "pet_clear"
    assert result.notes and "repair" in result.notes[0]
    assert result.prompt_tokens == 240  # both calls are counted


def test_invalid_json_twice_is_permanent(
    analyser: Callable[..., OpenAIAnalyser], fake_openai: FakeOpenAI
) -> None:
    fake_openai.script("invalid_json", "invalid_json")
    with pytest.raises(PermanentAnalyserError) as caught:
        analyser().analyse(image=IMAGE, content_type="image/jpeg", note=None)
    assert caught.value.code == "invalid_output"
    assert fake_openai.count == 2


def test_a_category_outside_the_kb_is_a_schema_violation(
    analyser: Callable[..., OpenAIAnalyser], fake_openai: FakeOpenAI
) -> None:
    original = fake_openai.answer
    fake_openai.answer = {"items": [{**original["items"][0], "category_id": "spaceship"}], "summary": "?"}
    try:
        with pytest.raises(PermanentAnalyserError) as caught:
            analyser().analyse(image=IMAGE, content_type="image/jpeg", note=None)
    finally:
        fake_openai.answer = original
    assert "spaceship" in caught.value.message and fake_openai.count == 2


def test_openai_compatible_without_key(
    make_settings: Callable[..., Settings], fake_openai: FakeOpenAI
) -> None:
    settings = make_settings(
        analyser="openai-compatible", openai_base_url=fake_openai.base_url, openai_model="llava"
    )
    fake_openai.api_key, fake_openai.model = "not-needed", "llava"
    try:
        built = make_analyser(settings, load_bundle())
        result = built.analyse(image=IMAGE, content_type="image/jpeg", note=None)
    finally:
        fake_openai.api_key, fake_openai.model = "sk-test", "gpt-4o"
    assert fake_openai.problems == []
    assert result.provider == "openai-compatible" and result.model == "llava"


def test_offline_is_the_default_and_never_uses_the_network(make_settings: Callable[..., Settings]) -> None:
    built = make_analyser(make_settings(), load_bundle())
    assert isinstance(built, OfflineAnalyser)
    result = built.analyse(image=b"", content_type="image/jpeg", note="투명 페트병")
    assert result.offline and result.items[0].category_id == "pet_clear"
    assert built.analyse(image=b"", content_type="image/jpeg", note=None).items == []


def test_the_schema_enum_is_item_ids_plus_unknown_and_the_prompt_carries_the_catalogue(
    analyser: Callable[..., OpenAIAnalyser], fake_openai: FakeOpenAI
) -> None:
    analyser().analyse(image=IMAGE, content_type="image/jpeg", note=None)
    body = fake_openai.requests[0]["body"]
    item_schema = body["response_format"]["json_schema"]["schema"]["properties"]["items"]["items"]
    bundle = load_bundle()
    assert set(item_schema["properties"]["item_id"]["enum"]) == {i.id for i in bundle.items} | {"unknown"}
    assert "summary" not in body["response_format"]["json_schema"]["schema"]["properties"]
    system = body["messages"][0]["content"]
    assert "\ncarton: milk_carton 우유팩, " in system
    assert "chicken_bones" not in system.split("Catalogue")[0]
    assert all(f"{i.id} {i.name_ko}" in system for i in bundle.items)


def test_an_item_outside_the_kb_is_a_schema_violation_and_unknown_is_accepted(
    analyser: Callable[..., OpenAIAnalyser], fake_openai: FakeOpenAI
) -> None:
    original = fake_openai.answer
    try:
        fake_openai.answer = {"items": [{**original["items"][0], "item_id": "flux_capacitor"}]}
        with pytest.raises(PermanentAnalyserError) as caught:
            analyser().analyse(image=IMAGE, content_type="image/jpeg", note=None)
        assert "flux_capacitor" in caught.value.message
        odd = {**original["items"][0], "item_id": "unknown", "label": "이상한 물건"}
        fake_openai.answer = {"items": [odd], "summary": "모델이 쓴 조언"}
        result = analyser().analyse(image=IMAGE, content_type="image/jpeg", note=None)
    finally:
        fake_openai.answer = original
    assert result.items[0].kb_item_id is None and result.summary == ""
    assert result.items[0].attributes == {"transparency": "clear", "label": "off"}
