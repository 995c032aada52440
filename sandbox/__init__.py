"""sandbox: the client app that walks a learner through each OAuth flow, one annotated step at a
time. It talks to any provider over HTTP only, learning every endpoint from discovery.

The app itself arrives with the next milestone; this package exists now so the independence
contract (sandbox and mock_provider never import each other) is enforced from the start.
"""
