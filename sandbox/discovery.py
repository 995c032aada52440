"""Learning the provider from its discovery document (OIDC Discovery 1.0 §4, RFC 8414 §3).

The sandbox is told only an issuer. Everything else (endpoints, supported features, and, for the
mock provider, where its control API is) comes from this document.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests

from . import instructor_token
from .answers import UnusableAnswer, json_object
from .recorder import Run

WELL_KNOWN = "/.well-known/openid-configuration"


class DiscoveryError(Exception):
    """The issuer did not give a usable discovery document; the message says what to do."""


@dataclass(frozen=True)
class ProviderMetadata:
    """The parts of the discovery document the sandbox uses."""

    document: dict[str, Any]

    def __getattr__(self, name: str) -> Any:
        return self.document.get(name)

    @property
    def control_api(self) -> str | None:
        """The mock provider's control API (an extension field; other providers have none)."""
        return self.document.get("mock_provider_control_endpoint")


def discover(issuer: str, run: Run | None = None) -> ProviderMetadata:
    """Fetch and check the issuer's metadata, recording the exchange in the run (if any)."""
    session = requests.Session()
    session.headers.update(instructor_token.vulnerable_issuers())
    if run is not None:
        session.hooks["response"].append(run.response_hook("discovery_request"))
    try:
        response = session.get(issuer + WELL_KNOWN, timeout=10)
    except requests.RequestException as error:
        raise DiscoveryError(
            f"Could not reach {issuer}{WELL_KNOWN} ({type(error).__name__}). Is the provider "
            "running? Start both apps with `oauth-sandbox`, or point the sandbox at a running "
            "issuer with `oauth-sandbox sandbox --issuer URL`."
        ) from None
    if not response.ok:
        raise DiscoveryError(
            f"{issuer}{WELL_KNOWN} answered {response.status_code} without a JSON document."
        )
    try:
        document = json_object(response, f"{issuer}{WELL_KNOWN}")
    except UnusableAnswer as error:
        raise DiscoveryError(
            f"{error} A discovery document is a JSON object (OIDC Discovery 1.0 §4.2)."
        ) from None
    # OIDC Discovery §4.3: the issuer in the document MUST be identical to the one asked.
    if document.get("issuer") != issuer:
        raise DiscoveryError(
            f"The discovery document names issuer {document.get('issuer')!r}, not {issuer!r}; "
            "a client must stop here (OIDC Discovery 1.0 §4.3)."
        )
    # The endpoints become links and request targets, so anything but an http(s) URL (say, a
    # javascript: URL from a hostile provider) stops here (RFC 8414 §2: each is a URL).
    for name, value in document.items():
        if name.endswith(("_endpoint", "_uri")) and not is_web_url(value):
            raise DiscoveryError(
                f"The discovery document's {name} is {str(value)[:200]!r}, not an http(s) URL; "
                "the sandbox will not use it."
            )
    return ProviderMetadata(document)


def is_web_url(value: Any) -> bool:
    """True for an absolute http(s) URL: the only kind the sandbox follows or links to."""
    return isinstance(value, str) and value.lower().startswith(("http://", "https://"))
