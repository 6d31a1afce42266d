"""A reader's mistakes as pages: an unknown id or address is a 404, a bad parameter a 400.

Views raise ``NotFound`` or ``BadRequest`` with a sentence for the reader; ``friendly`` turns
them into the portal's error page, with the same look and links home as every other page.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from entrypoints.web.portal.rendering import page

View = Callable[[Request], Awaitable[Response]]


class PageError(Exception):
    status = 500
    title = "Something went wrong"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(PageError):
    status = 404
    title = "Not found"


class BadRequest(PageError):
    status = 400
    title = "This address cannot be read"


class Busy(PageError):
    status = 503
    title = "Busy: try again in a moment"


def error_page(request: Request, error: PageError) -> Response:
    headers = {"Retry-After": "5"} if isinstance(error, Busy) else None
    context = {"title": error.title, "message": error.message, "status": error.status}
    return page(request, "error.html", context, status_code=error.status, headers=headers)


def friendly(view: View) -> View:
    @functools.wraps(view)
    async def answer(request: Request) -> Response:
        try:
            return await view(request)
        except PageError as error:
            return error_page(request, error)

    return answer
