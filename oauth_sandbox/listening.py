"""What the command says when it cannot listen on the address and port it was given."""

from __future__ import annotations

import errno

import click

#: "Address already in use", as POSIX and Windows number it.
ADDRESS_IN_USE = {errno.EADDRINUSE, getattr(errno, "WSAEADDRINUSE", errno.EADDRINUSE)}


def cannot_listen(host: str, port: int, error: Exception, port_option: str) -> click.ClickException:
    """One line naming the address, why, and, for a taken port, what to do about it.

    `port_option` is the command and option that chose the port (`run` has two ports)."""
    reason = getattr(error, "strerror", None) or error
    message = f"cannot listen on {host}:{port}: {reason}"
    if getattr(error, "errno", None) in ADDRESS_IN_USE:
        message += (
            ". Stop the program that listens there, or choose another port: "
            f"{port_option} PORT (0 picks a free one)."
        )
    return click.ClickException(message)
