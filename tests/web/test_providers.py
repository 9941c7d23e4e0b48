"""The provider buttons run the API's real browser flow: authorize -> provider -> callback -> cookies.

The provider is the fake Kakao/Naver/Google of the auth tests (tests/api/auth/fakes.py) on a local
server, with the one page the browser visits there: the authorize URL, which approves at once.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.api.auth.fakes import FakeProviders
from tests.support.cli import free_port
from tests.web.conftest import BrowserPage, LiveServer

pytestmark = [pytest.mark.services, pytest.mark.slow]


def test_kakao_button_logs_in_through_the_web_flow(
    make_live_server: Callable[..., LiveServer], open_page: Callable[..., BrowserPage], httpserver: HTTPServer
) -> None:
    fake = FakeProviders(
        server=httpserver, rsa_key=rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    fake.install()

    def authorize(request: Request) -> Response:  # the user taps "agree" on Kakao's page
        code, state = fake.approve(request.url, fake.kakao_user(7007, nickname="브라우저친구"))
        redirect_uri = request.args["redirect_uri"]
        return Response(status=302, headers={"Location": f"{redirect_uri}?code={code}&state={state}"})

    httpserver.expect_request("/kauth/oauth/authorize").respond_with_handler(authorize)
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    server = make_live_server(
        port=port, public_base_url=origin, auth_frontend_origins=[origin], **fake.settings()
    )
    web = open_page(server.url, viewport="phone")
    page = web.page
    buttons = page.locator("#providers button")
    assert buttons.all_inner_texts() == ["카카오로 로그인", "네이버로 로그인", "Google로 로그인"]
    web.shots("providers")
    page.get_by_role("button", name="카카오로 로그인").click()
    page.get_by_role("heading", name="사진으로 묻기", level=2).wait_for()
    assert page.locator("#who-name").text_content() == "브라우저친구"
    assert page.url == origin + "/"
    web.shots("signed-in")
    assert web.errors == []


def test_a_refused_provider_login_comes_back_with_a_message(
    make_live_server: Callable[..., LiveServer], open_page: Callable[..., BrowserPage], httpserver: HTTPServer
) -> None:
    fake = FakeProviders(
        server=httpserver, rsa_key=rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    fake.install()

    def refuse(request: Request) -> Response:  # the user taps "cancel"
        target = f"{request.args['redirect_uri']}?error=access_denied&state={request.args['state']}"
        return Response(status=302, headers={"Location": target})

    httpserver.expect_request("/kauth/oauth/authorize").respond_with_handler(refuse)
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    server = make_live_server(
        port=port, public_base_url=origin, auth_frontend_origins=[origin], **fake.settings()
    )
    web = open_page(server.url, viewport="desktop")
    page = web.page
    page.get_by_role("button", name="카카오로 로그인").click()
    page.get_by_role("alert").filter(has_text="로그인이 취소되었거나 거절되었어요").wait_for()
    assert page.url == origin + "/?error=provider_denied"
    assert page.get_by_role("heading", name="로그인", level=2).is_visible()
    web.shots("refused")
