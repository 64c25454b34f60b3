"""The request and response the front door hands to the services behind it (API Gateway,
CloudFront), so that those know nothing of sockets or of the HTTP server in use."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class HttpRequest:
    method: str
    # Still percent-encoded, without the query string.
    path: str
    query: str
    # As received: original case, in order, repeats kept.
    headers: list[tuple[str, str]]
    body: bytes
    source_ip: str
    protocol: str = "HTTP/1.1"

    def header(self, name: str) -> str | None:
        """The last value of a header, matched case-insensitively (as API Gateway's
        single-value ``headers`` keep the last one)."""
        wanted = name.lower()
        found = None
        for key, value in self.headers:
            if key.lower() == wanted:
                found = value
        return found


@dataclass(slots=True)
class HttpResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value
        return None


def json_response(
    status: int, body: bytes, headers: list[tuple[str, str]] | None = None
) -> HttpResponse:
    return HttpResponse(status, [("Content-Type", "application/json"), *(headers or [])], body)
