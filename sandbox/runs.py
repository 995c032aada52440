"""Starting a run: discover the provider, get client credentials, let the flow prepare its state.

Discovery and registration are exchanges like any other, so they are recorded in the run and
shown in its timeline.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from . import mistakes
from .config import SandboxConfig
from .discovery import discover
from .flows import Flow, Variant
from .provider_client import ClientCredentials, RegistrationError, Registrations
from .recorder import Run

REGISTERED_SCOPE = "openid profile email photos.read"  # what the sandbox may ask for


def start_run(
    flow: Flow,
    variant: Variant,
    config: SandboxConfig,
    registrations: Registrations,
    issuer: str | None = None,
    scenario: Any = None,
    deviation: str | None = None,
) -> Run:
    """A new run of `flow`, ready for its first step after discovery.

    `issuer` overrides the configured one for this run only (a failure scenario is its own
    issuer); `scenario` is the catalogue entry the run plays, whose client mistake the flow makes;
    `deviation` makes a deliberately VULNERABLE client, for an attack page (`Run.deviation`).
    """
    issuer = issuer or config.issuer
    run = Run(
        flow=flow.id, variant=variant.id, issuer=issuer, scenario=scenario, deviation=deviation
    )
    run.provider = discover(issuer, run)
    run.completed.append("discovery_request")
    run.credentials = _credentials(run, variant, config, registrations)
    if (mistake := mistakes.of(run)) and mistake.another_client:
        run.client_state["attacker_client"] = asdict(
            _registered(run, variant, config, registrations, kind="attacker")
        )
    run.client_state["redirect_uri"] = config.redirect_uri
    flow.start(run, variant)
    return run


def _credentials(
    run: Run, variant: Variant, config: SandboxConfig, registrations: Registrations
) -> ClientCredentials:
    if config.client_id:
        method = "client_secret_basic" if config.client_secret else "none"
        return ClientCredentials(config.client_id, config.client_secret, method)
    shape = variant.registration
    kind = shape.kind if shape else ("public" if variant.public else "confidential")
    return _registered(run, variant, config, registrations, kind)


def _registered(
    run: Run, variant: Variant, config: SandboxConfig, registrations: Registrations, kind: str
) -> ClientCredentials:
    """The client registered as `kind` at the run's issuer, registering it the first time."""
    known = registrations.get(run.provider, kind)
    if known is not None:
        return known
    if not run.provider.registration_endpoint:
        raise RegistrationError(
            f"{run.provider.issuer} offers no dynamic registration. Register a client with "
            f"redirect_uri {config.redirect_uri} there, then start the sandbox with "
            "--client-id and --client-secret."
        )
    metadata = _metadata(config, variant)
    if kind == "attacker":  # a second client at the same provider, the attacker's own
        metadata["client_name"] = "attacker's client (a second client of the same provider)"
    return registrations.register(run.provider, run, kind, metadata)


def _metadata(config: SandboxConfig, variant: Variant) -> dict:
    """What the sandbox registers as (RFC 7591 §2)."""
    shape, public = variant.registration, variant.public
    if shape is not None:
        # A client that never sends a browser to the provider registers no redirect_uris.
        return {
            "client_name": f"oauth-sandbox ({shape.kind} client)",
            "grant_types": list(shape.grant_types),
            "scope": shape.scope,
            # A device (a TV, a console) cannot keep a secret: it is a public client.
            "token_endpoint_auth_method": "none" if public else "client_secret_basic",
        }
    return {
        "client_name": f"oauth-sandbox ({'public' if public else 'confidential'} client)",
        "redirect_uris": [config.redirect_uri],
        "post_logout_redirect_uris": [f"{config.base_url}/"],
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "scope": REGISTERED_SCOPE,
        "token_endpoint_auth_method": "none" if public else "client_secret_basic",
    }
