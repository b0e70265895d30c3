"""What the Hub said when it refused a request, as the crawl's tables and stats record it."""

from __future__ import annotations

from huggingface_hub.errors import HfHubHTTPError


def hub_message(exc: HfHubHTTPError) -> str:
    """The Hub's own message of a refused request (``X-Error-Message`` or the body's
    ``error``, first line), else the answer's status line. Not the client's text: it holds
    the request id and the URL (the endpoint), which differ from run to run, and the same
    Hub should give the same rows (the log keeps the client's text).

    >>> import httpx2
    >>> def refused(status: int, server_message: str | None = None) -> HfHubHTTPError:
    ...     request = httpx2.Request("GET", "http://127.0.0.1:8/a/b/resolve/main/README.md")
    ...     answer = httpx2.Response(status, headers={"X-Request-Id": "1"}, request=request)
    ...     text = f"{status} Client Error. (Request ID: 1)"
    ...     return HfHubHTTPError(text, response=answer, server_message=server_message)
    >>> hub_message(refused(401, "Access to model a/b is restricted.\\nPlease log in."))
    'Access to model a/b is restricted.'
    >>> hub_message(refused(502))
    '502 Bad Gateway'
    """
    said = (exc.server_message or "").strip().split("\n", 1)[0]
    return said[:500] or f"{exc.response.status_code} {exc.response.reason_phrase}".strip()
