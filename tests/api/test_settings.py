from collections.abc import Callable

import pytest
from pydantic import ValidationError

from api.settings import PLACEHOLDER_JWT_SECRET, OAuthProvider, Settings


def test_defaults_are_the_embedded_profile(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings()
    assert settings.profile() == {
        "database": "sqlite",
        "tasks": "in-process",
        "cache": "none",
        "storage": "local",
        "analyser": "offline",
    }
    assert settings.resolved_database_url == f"sqlite:///{settings.data_dir / 'waste.db'}"


def test_each_service_switches_on_with_its_variable(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(
        database_url="postgresql://u:p@db:5432/waste",
        broker_url="amqp://guest:guest@mq:5672//",
        redis_url="redis://cache:6379/0",
        s3_bucket="images",
        openai_api_key="sk-test",
    )
    assert settings.profile() == {
        "database": "postgresql",
        "tasks": "celery",
        "cache": "redis",
        "storage": "s3",
        "analyser": "openai",
    }
    assert settings.resolved_database_url == "postgresql+psycopg://u:p@db:5432/waste"


def test_env_prefix_and_dotenv(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    (tmp_path / ".env").write_text("WASTE_REDIS_URL=redis://from-dotenv:6379/1\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WASTE_BROKER_URL", "amqp://from-env//")
    monkeypatch.setenv("WASTE_ENV", "development")
    settings = Settings()
    assert settings.redis_url == "redis://from-dotenv:6379/1"
    assert settings.broker_url == "amqp://from-env//"


@pytest.mark.parametrize(
    ("field", "value"),
    [("database_url", "nonsense"), ("broker_url", "http://x"), ("redis_url", "mysql://x")],
)
def test_bad_urls_are_refused(make_settings: Callable[..., Settings], field: str, value: str) -> None:
    with pytest.raises(ValidationError, match=field):
        make_settings(**{field: value})


def test_production_refuses_placeholder_secret_and_sqlite(make_settings: Callable[..., Settings]) -> None:
    with pytest.raises(ValidationError) as info:
        make_settings(env="production", jwt_secret=PLACEHOLDER_JWT_SECRET)
    message = str(info.value)
    assert "WASTE_JWT_SECRET" in message
    assert "SQLite" in message


def test_production_starts_with_real_secret_and_postgres(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(
        env="production", jwt_secret="x" * 40, database_url="postgresql://db/waste", dev_login=None
    )
    assert settings.is_production


def test_secrets_never_in_repr(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(openai_api_key="sk-very-secret", jwt_secret="jwt-very-secret" * 3)
    text = repr(settings) + str(settings) + settings.model_dump_json()
    assert "sk-very-secret" not in text
    assert "jwt-very-secret" not in text
    assert PLACEHOLDER_JWT_SECRET not in text


def test_each_oauth_provider_reads_its_own_settings(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(
        kakao_client_id="k-id", naver_client_id="n-id", naver_client_secret="n-secret",
        google_redirect_uri="https://app.example/cb",
    )  # fmt: skip
    kakao, naver, google = (settings.oauth_client(p) for p in OAuthProvider)
    assert (kakao.client_id, kakao.client_secret, kakao.redirect_uri) == ("k-id", None, None)
    assert naver.client_id == "n-id" and naver.client_secret is not None
    assert naver.client_secret.get_secret_value() == "n-secret"
    assert (google.client_id, google.redirect_uri) == ("", "https://app.example/cb")


def test_the_pool_covers_every_api_thread(make_settings: Callable[..., Settings]) -> None:
    """20 kept (connections above are closed after each use), the rest overflow up to the threads."""
    default = make_settings(api_threads=40)
    assert (default.db_pool_kept, default.db_max_overflow) == (20, 20)
    smaller = make_settings(api_threads=40, db_pool_size=10)
    assert (smaller.db_pool_kept, smaller.db_max_overflow) == (10, 30)
    assert (make_settings(api_threads=8).db_pool_kept, make_settings(api_threads=8).db_max_overflow) == (8, 0)


def test_the_output_side_follows_the_image_detail(make_settings: Callable[..., Settings]) -> None:
    assert make_settings().image_output_side == 512  # detail=low: the model is given 512 px
    assert make_settings(openai_image_detail="high").image_output_side == 1024
    assert make_settings(openai_image_detail="low", image_max_side=768).image_output_side == 768
