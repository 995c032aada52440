"""oauth_sandbox: the command line that starts the sandbox and the mock provider.

This is the one place allowed to know both apps: it launches them side by side, and they still
talk to each other over HTTP only.
"""
