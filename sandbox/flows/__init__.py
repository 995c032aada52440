"""The flows a learner can step through, and the registry the pages are built from.

A flow is an ordered list of steps. Each step is one exchange (or one check the client makes),
with a function that performs it and, for back-channel requests, one that previews exactly what
will be sent. The step ids key the annotations, the templates and the tests.
"""

from . import authorization_code
from .base import Flow, Step, Variant

FLOWS: dict[str, Flow] = {flow.id: flow for flow in (authorization_code.FLOW,)}

__all__ = ["FLOWS", "Flow", "Step", "Variant"]
