"""OpenID Connect (Login.gov in production) through authlib: its settings and the provider's client.

On when `SERVICESTAT_OIDC_DISCOVERY_URL` and `SERVICESTAT_OIDC_CLIENT_ID` are set; a signed-in
identity gets the role of the users-file entry with its e-mail address, and nothing without one
(the routes are in dashboard.signin).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlsplit

import flask

from dashboard.accounts import AuthConfigError


@dataclass(frozen=True)
class OidcSettings:
    discovery_url: str
    client_id: str
    client_secret: str | None
    scope: str
    acr_values: str | None
    redirect_uri: str | None
    label: str


def oidc_settings(environ: dict[str, str] | None = None) -> OidcSettings | None:
    """OpenID Connect settings from the environment, or None when it is not configured."""
    env = os.environ if environ is None else environ
    discovery = env.get("SERVICESTAT_OIDC_DISCOVERY_URL", "").strip()
    client_id = env.get("SERVICESTAT_OIDC_CLIENT_ID", "").strip()
    if not discovery and not client_id:
        return None
    if not discovery or not client_id:
        missing = "SERVICESTAT_OIDC_DISCOVERY_URL" if not discovery else "SERVICESTAT_OIDC_CLIENT_ID"
        raise AuthConfigError(f"OpenID Connect is half configured: set {missing} too")
    if urlsplit(discovery).scheme not in ("https", "http"):
        raise AuthConfigError(f"SERVICESTAT_OIDC_DISCOVERY_URL must be an http(s) URL, not {discovery!r}")
    return OidcSettings(
        discovery_url=discovery,
        client_id=client_id,
        client_secret=env.get("SERVICESTAT_OIDC_CLIENT_SECRET") or None,
        scope=env.get("SERVICESTAT_OIDC_SCOPE") or "openid email",
        acr_values=env.get("SERVICESTAT_OIDC_ACR_VALUES") or None,
        redirect_uri=env.get("SERVICESTAT_OIDC_REDIRECT_URI") or None,
        label=env.get("SERVICESTAT_OIDC_LABEL") or "Login.gov",
    )


def register_client(server: flask.Flask, settings: OidcSettings):  # noqa: ANN202 - authlib client
    from authlib.integrations.flask_client import OAuth

    oauth = OAuth(server)
    client_kwargs = {"scope": settings.scope, "code_challenge_method": "S256"}
    if settings.client_secret is None:
        client_kwargs["token_endpoint_auth_method"] = "none"  # a public client: PKCE only
    return oauth.register(
        "oidc",
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        server_metadata_url=settings.discovery_url,
        client_kwargs=client_kwargs,
    )
