"""Provider flows: web (authorize -> callback, state + PKCE) and mobile (provider token -> ours)."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Header, Path, Query, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse

from api.auth.binding import BINDING_HEADER, binding_digest, check_binding, client_binding, set_binding_cookie
from api.auth.cookies import set_auth_cookies
from api.auth.deps import BearerCredentials, unauthorized
from api.auth.http import client_info, provider_failure, resolve_provider, token_response
from api.auth.providers import HttpProvider
from api.auth.providers.base import CodeExchange, ProviderError, ProviderProfile
from api.auth.schemas import AuthorizeResponse, ProviderTokenRequest, TokenResponse
from api.auth.service import login, record_failure
from api.auth.sessions import is_session_active
from api.auth.state import PendingLogin, new_pkce_pair, new_state, state_store
from api.auth.tokens import InvalidToken, decode_token
from api.deps import ContextDep, SessionDep, SettingsDep
from api.domain_errors import DomainError
from api.errors import ApiError, ErrorBody, error_responses
from api.ratelimit import login_rate_limit, token_rate_limit
from api.settings import OAuthProvider, Settings

router = APIRouter()
ProviderName = Annotated[str, Path(description="`kakao`, `naver` or `google`", examples=["kakao"])]


def _bad_request(detail: str, code: str) -> ApiError:
    return ApiError(400, detail, code=code)


def _redirect_uri(request: Request, settings: Settings, provider: str, requested: str | None) -> str:
    configured = settings.oauth_client(OAuthProvider(provider)).redirect_uri
    if requested is not None:
        if requested != configured and requested not in settings.auth_redirect_uris:
            raise _bad_request("redirect_uri is not in the allow-list", "redirect_uri_not_allowed")
        return requested
    if isinstance(configured, str) and configured:
        return configured
    path = str(request.app.url_path_for("oauth_callback", provider=provider))
    base = settings.public_base_url or str(request.base_url)
    return base.rstrip("/") + path


def _frontend_origin(settings: Settings, requested: str | None) -> str | None:
    allowed = [origin.rstrip("/") for origin in settings.auth_frontend_origins]
    if requested is None:
        return allowed[0] if allowed else None
    if requested.rstrip("/") not in allowed:
        raise _bad_request("frontend_origin is not in the allow-list", "frontend_origin_not_allowed")
    return requested.rstrip("/")


@router.get(
    "/{provider}/authorize",
    response_model=AuthorizeResponse,
    responses=error_responses(400, 404, 422, 429, 503),
    dependencies=login_rate_limit,
)
def oauth_authorize(
    provider: ProviderName,
    *,
    request: Request,
    response: Response,
    context: ContextDep,
    session: SessionDep,
    redirect_uri: Annotated[str | None, Query(max_length=1000)] = None,
    frontend_origin: Annotated[str | None, Query(max_length=300)] = None,
    response_mode: Literal["redirect", "json"] = "redirect",
    device_id: Annotated[str | None, Query(max_length=200)] = None,
    x_frontend_origin: Annotated[str | None, Header(max_length=300)] = None,
) -> AuthorizeResponse:
    """Start a web login: the URL to send the browser to and its single-use `state` (10 min).

    `response_mode=redirect` (default) makes the callback redirect to the frontend with cookies;
    `json` makes it answer with the tokens. The login is bound to this client: the callback needs
    the `waste_login` cookie set here, or the returned `binding` in `X-Login-Binding`.
    """
    settings = context.settings
    client = resolve_provider(request, provider)
    callback_uri = _redirect_uri(request, settings, provider, redirect_uri)
    origin = _frontend_origin(settings, frontend_origin or x_frontend_origin)
    if response_mode == "redirect" and origin is None:
        raise _bad_request(
            "no frontend origin is configured (WASTE_AUTH_FRONTEND_ORIGINS); use response_mode=json",
            "frontend_not_configured",
        )
    verifier, challenge = new_pkce_pair() if client.supports_pkce else (None, None)
    binding = client_binding(request)
    pending = PendingLogin(
        state=new_state(),
        provider=provider,
        redirect_uri=callback_uri,
        code_verifier=verifier,
        frontend_origin=origin,
        response_mode=response_mode,
        device_id=device_id,
        binding=binding_digest(binding),
    )
    state_store(context, session).save(pending, settings.oauth_state_ttl_seconds)
    set_binding_cookie(response, request, settings, binding)
    url = client.authorization_url(redirect_uri=callback_uri, state=pending.state, code_challenge=challenge)
    return AuthorizeResponse(
        authorization_url=url,
        state=pending.state,
        expires_in=settings.oauth_state_ttl_seconds,
        binding=binding,
    )


def _wants_json(request: Request, pending: PendingLogin) -> bool:
    accept = request.headers.get("accept", "")
    return pending.response_mode == "json" or ("application/json" in accept and "text/html" not in accept)


@router.get(
    "/{provider}/callback",
    response_model=TokenResponse,
    responses={
        302: {"description": "Redirect to the frontend: with auth cookies, or with `?error=<code>`"},
        400: {
            "model": ErrorBody,
            "description": "State missing, unknown, expired, used, of another provider, or not bound "
            f"to this client (no `waste_login` cookie or `{BINDING_HEADER}` header from /authorize)",
        },
        **error_responses(401, 404, 429, 502, 503),
    },
    dependencies=login_rate_limit,
)
def oauth_callback(
    provider: ProviderName,
    *,
    request: Request,
    context: ContextDep,
    session: SessionDep,
    code: Annotated[str | None, Query(max_length=2048)] = None,
    state: Annotated[str | None, Query(max_length=512)] = None,
    error: Annotated[str | None, Query(max_length=200)] = None,
    error_description: Annotated[str | None, Query(max_length=500)] = None,
) -> JSONResponse | RedirectResponse:
    """The provider redirects here: consume the state, check its client binding, exchange the code.

    The binding (the `waste_login` cookie, or `X-Login-Binding`) must be the one `/authorize`
    gave: a callback URL opened anywhere else is refused with 400 `login_not_bound`.
    """
    settings = context.settings
    client = resolve_provider(request, provider)
    if not state:
        raise _bad_request("state is missing", "state_missing")
    pending = state_store(context, session).consume(state) if len(state) <= 128 else None
    if pending is None:
        raise _bad_request("state is unknown, expired or already used", "state_invalid")
    if pending.provider != provider:
        raise _bad_request(
            f"state belongs to a {pending.provider} login, not {provider}", "state_provider_mismatch"
        )
    check_binding(request, pending)
    # Where a browser is sent back to; None means answer with JSON instead.
    origin = None if _wants_json(request, pending) else pending.frontend_origin
    try:
        profile = _provider_profile(
            client, pending, code=code, error=error, error_description=error_description
        )
        user, tokens = login(
            session,
            settings=settings,
            profile=profile,
            client=client_info(request, pending.device_id),
            flow="web",
        )
    except (ApiError, DomainError) as exc:
        record_failure(session, provider=provider, flow="web", client=client_info(request), code=exc.code)
        if origin is None:
            raise
        return _error_redirect(settings, origin, exc.code)
    if origin is None:
        return JSONResponse(token_response(user, tokens).model_dump(mode="json"))
    redirect = RedirectResponse(origin + settings.auth_frontend_redirect_path, status_code=302)
    set_auth_cookies(redirect, settings, tokens)
    return redirect


def _provider_profile(
    client: HttpProvider,
    pending: PendingLogin,
    *,
    code: str | None,
    error: str | None,
    error_description: str | None,
) -> ProviderProfile:
    if error:
        raise ApiError(
            401,
            f"{pending.provider} login failed: {error_description or error}",
            code="provider_denied",
            headers={"WWW-Authenticate": "Bearer"},  # every 401 carries a challenge (RFC 9110)
        )
    if not code:
        raise _bad_request("code is missing", "code_missing")
    exchange = CodeExchange(
        code=code, redirect_uri=pending.redirect_uri, state=pending.state, code_verifier=pending.code_verifier
    )
    try:
        return client.login_with_code(exchange)
    except ProviderError as exc:
        raise provider_failure(exc) from None


def _error_redirect(settings: Settings, origin: str, code: str) -> RedirectResponse:
    """Browser logins that fail after a valid state go back to the frontend with `?error=<code>`."""
    path = settings.auth_frontend_error_path
    separator = "&" if "?" in path else "?"
    return RedirectResponse(f"{origin}{path}{separator}{urlencode({'error': code})}", status_code=302)


@router.post(
    "/{provider}/token",
    response_model=TokenResponse,
    responses=error_responses(401, 404, 409, 422, 429, 502, 503),
    dependencies=token_rate_limit,
)
def provider_token(
    provider: ProviderName,
    *,
    body: ProviderTokenRequest,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    credentials: BearerCredentials,
) -> TokenResponse:
    """Mobile login: verify the provider token was issued to our app, then issue our tokens.

    Kakao and Naver take `access_token`, Google takes `id_token`. With a valid access token of ours
    in `Authorization`, the social account is linked to that user instead (409 if it belongs to
    another user).
    """
    client = resolve_provider(request, provider)
    field = "id_token" if provider == "google" else "access_token"
    token = getattr(body, field)
    if not token:
        raise ApiError(422, f"{provider} login needs {field}", code="validation_error")
    link_to = None
    if credentials is not None:
        try:
            claims = decode_token(settings, credentials.credentials, expected_type="access")
        except InvalidToken as exc:
            raise unauthorized(str(exc)) from None
        if not is_session_active(session, session_id=claims.sid):
            raise unauthorized("session has been revoked")
        link_to = claims.sub
    try:
        profile: ProviderProfile = client.verify_mobile_token(token)
    except ProviderError as exc:
        failure = client_info(request, body.device_id)
        record_failure(session, provider=provider, flow="mobile", client=failure, code=exc.code)
        raise provider_failure(exc) from None
    user, tokens = login(
        session,
        settings=settings,
        profile=profile,
        client=client_info(request, body.device_id),
        flow="mobile",
        link_to=link_to,
    )
    return token_response(user, tokens)
