"""What `wastectl.redact` masks (the log formatter, error lines and printed command lines use it)."""

from __future__ import annotations

import pytest

from wastectl.redact import redact, redact_argv


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("postgresql://waste:S3cr3t@db:5432/waste", "postgresql://waste:***@db:5432/waste"),
        ("redis://:hunter2@127.0.0.1:6379/0", "redis://:***@127.0.0.1:6379/0"),
        ("amqp://guest:guest@rabbit:5672//", "amqp://guest:***@rabbit:5672//"),
        ("Authorization: Bearer eyJhbGciOi.abc.def", "Authorization: Bearer ***"),
        ("-H 'Authorization: Basic Z3Vlc3Q6Z3Vlc3Q='", "-H 'Authorization: Basic ***'"),
        (
            "helm upgrade waste charts/waste --set postgresql.auth.password=pw1 --set image.tag=1.2",
            "helm upgrade waste charts/waste --set postgresql.auth.password=*** --set image.tag=1.2",
        ),
        ("--set-string api.openaiApiKey=sk-abc", "--set-string api.openaiApiKey=***"),
        ("WASTE_OPENAI_API_KEY=sk-live-1 wastectl dev", "WASTE_OPENAI_API_KEY=*** wastectl dev"),
        ("--token=abc --db-password xyz", "--token=*** --db-password ***"),
        ('{"token": "abc", "name": "x"}', '{"token": "***", "name": "x"}'),
        ("sudo -n kubeadm reset -f", "sudo -n kubeadm reset -f"),
        ("http://127.0.0.1:15672/api/queues", "http://127.0.0.1:15672/api/queues"),
    ],
)
def test_redact(text: str, masked: str) -> None:
    assert redact(text) == masked


def test_redact_argv_masks_the_word_after_a_secret_option() -> None:
    argv = ["health", "--rabbitmq-api", "http://u:p4ss@h:15672", "--password", "pw", "--user", "root"]
    assert redact_argv(argv) == "health --rabbitmq-api http://u:***@h:15672 --password *** --user root"
