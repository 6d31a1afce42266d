"""CSP, ``nosniff`` and frame protection on every HTTP response.

``/graphql``'s JSON, GraphiQL and the other routes sent none: a page could frame GraphiQL
(clickjacking a token-holding user), and a browser could sniff a JSON answer into something
it runs. Every response now says ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY``
and, unless the route set its own policy, ``Content-Security-Policy: default-src 'self';
frame-ancestors 'none'`` (plus ``base-uri``, ``object-src`` and ``form-action``): the portal's
pages load only their own stylesheet and icon and run no script, inline or not. GraphiQL gets
a policy of its own: its one inline script is allowed by its hash, nothing else inline runs.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# form-action: the portal's forms submit only here (default-src does not cover forms).
DEFAULT_POLICY = (
    "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none';"
    " form-action 'self'"
)
_INLINE_SCRIPT = re.compile(r"<script>(?P<body>.*?)</script>", re.DOTALL | re.IGNORECASE)


@functools.lru_cache(maxsize=4)
def graphiql_policy(html: str) -> str:
    """The page's policy: scripts from here and its own inline ones (by hash); its styles
    (GraphiQL's editor styles elements as it draws), its data: fonts and icon; fetches and
    subscriptions to this origin."""
    hashes = " ".join(
        "'sha256-"
        + base64.b64encode(hashlib.sha256(m.group("body").encode()).digest()).decode()
        + "'"
        for m in _INLINE_SCRIPT.finditer(html)
    )
    return (
        f"default-src 'self'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline';"
        " img-src 'self' data:; font-src 'self' data:; connect-src 'self';"
        " frame-ancestors 'none'; base-uri 'none'; object-src 'none'; form-action 'self'"
    )


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Content-Security-Policy", DEFAULT_POLICY)
                # Links out (evidence, websites) do not tell other sites which page was read.
                headers.setdefault("Referrer-Policy", "same-origin")
            await send(message)

        await self.app(scope, receive, with_headers)
