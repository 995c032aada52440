"""The flows a learner can step through, and the registry the pages are built from.

A flow is an ordered list of steps. Each step is one exchange (or one check the client makes),
with a function that performs it and, for back-channel requests, one that previews exactly what
will be sent. The step ids key the annotations, the templates and the tests.
"""

from . import (
    authorization_code,
    client_credentials,
    device,
    logout,
    protected_api,
    refresh,
    revocation,
)
from .base import Flow, Step, Variant

FLOWS: dict[str, Flow] = {
    flow.id: flow
    for flow in (
        authorization_code.FLOW,
        protected_api.FLOW,
        refresh.FLOW,
        revocation.FLOW,
        client_credentials.FLOW,
        device.FLOW,
        logout.FLOW,
    )
}

__all__ = ["FLOWS", "Flow", "Step", "Variant"]
