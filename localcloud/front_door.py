"""One HTTP server on loopback for the traffic moto cannot serve: every deployed REST API
stage and every CloudFront site, on one port (so a site and its API share an origin).

URL scheme (``{port}`` defaults to 4567)::

    http://localhost:{port}/{api_id}/{stage}/{path}         a REST API stage; in the cloud
        https://{api_id}.execute-api.{region}.amazonaws.com/{stage}/{path}
    http://localhost:{port}/_cdn/{distribution_id}/{path}  a CloudFront distribution; in the
        cloud https://{id}.cloudfront.net/{path}
    http://localhost:{port}/_aws/cognito-idp/               the user pools endpoint pages call;
        in the cloud https://cognito-idp.{region}.amazonaws.com/
    http://localhost:{port}/                                JSON index of the above

:meth:`FrontDoor.local_url` maps a cloud URL (a stack output such as ``ApiUrl`` or
``UiUrl``) to its local equivalent. API ids are ten lower-case letters and digits, so they
never collide with ``_cdn``.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import re
import socket
import socketserver
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from .apigateway.rest_api import Invoke, RestApiGateway
from .cloudfront.static_sites import TEXT_TYPES, StaticSites
from .cloudwatch.recorder import CloudWatchRecorder
from .cognito.endpoint import PATH_PREFIX as USER_POOLS_PREFIX
from .cognito.endpoint import UserPoolsEndpoint
from .emulator import DEFAULT_HOST, Emulator, PortInUseError
from .http_messages import HttpRequest, HttpResponse, json_response

logger = logging.getLogger(__name__)

DEFAULT_PORT = 4567
SITES_PREFIX = "_cdn"
MAX_BODY_BYTES = 64 * 1024 * 1024
_URL_TAIL = r"(?P<path>/[^\s\"'`<>;,)\]\\]*)?"
_EXECUTE_API_URL = re.compile(
    r"https://(?P<api>[a-z0-9]+)\.execute-api\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?" + _URL_TAIL
)
_CLOUDFRONT_URL = re.compile(r"https://(?P<domain>[a-z0-9]+\.cloudfront\.net)" + _URL_TAIL)
# Virtual-hosted S3 URLs (what a page's CSP names for presigned POSTs); path-style ones have
# no bucket in the host and are left alone.
_S3_URL = re.compile(
    r"https://(?P<bucket>[a-z0-9][a-z0-9.-]*[a-z0-9])\.s3(?:[.-][a-z0-9-]+)*\.amazonaws\.com"
    r"(?:\.cn)?" + _URL_TAIL
)
_USER_POOLS_URL = re.compile(
    r"https://cognito-idp\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?(?![-.\w])" + _URL_TAIL
)


class FrontDoor:
    """Serves the emulator's REST APIs and CloudFront sites over HTTP/1.1 on loopback."""

    def __init__(
        self,
        *,
        emulator: Emulator,
        invoke: Invoke,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        enforce_usage_plans: bool = False,
        cloudwatch: CloudWatchRecorder | None = None,
    ):
        """``invoke(function ARN, event) -> (payload, FunctionError or None)`` runs Lambda
        functions. ``port=0`` picks a free port. Usage plan throttles and quotas apply only
        with ``enforce_usage_plans`` (a latency benchmark would exceed them at once). With
        ``cloudwatch``, APIs write their stages' access logs and their metrics there."""
        self.emulator = emulator
        self.host = host
        self.port = port
        self.apis = RestApiGateway(
            region=emulator.region,
            invoke=invoke,
            enforce_usage_plans=enforce_usage_plans,
            aws_endpoint=emulator.endpoint,
            cloudwatch=cloudwatch,
        )
        self.sites = StaticSites(
            region=emulator.region, rewrite_text=self.rewrite_text, forward_to_api=self._api
        )
        self.user_pools = UserPoolsEndpoint(emulator.endpoint)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle ------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://localhost:{self.port}"

    def start(self) -> FrontDoor:
        """Serve; :class:`PortInUseError` if the port is taken."""
        try:
            self._server = _Server((self.host, self.port), self)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise PortInUseError(self.host, self.port, "APIs and sites") from error
            raise
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"front-door-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server.close_connections()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self.apis.close()

    def refresh(self) -> None:
        """Re-read what is deployed (call after deploying); requests also notice new
        deployments by themselves."""
        self.apis.refresh()
        self.sites.refresh()

    def __enter__(self) -> FrontDoor:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- URLs ------------------------------------------------------------------------------

    def api_url(self, api_id: str, stage: str) -> str:
        return f"{self.url}/{api_id}/{stage}/"

    def site_url(self, distribution_id: str) -> str:
        return f"{self.url}/{SITES_PREFIX}/{distribution_id}/"

    def local_url(self, cloud_url: str) -> str:
        """The local URL for an execute-api or cloudfront.net URL; other URLs unchanged."""
        return self.rewrite_text(cloud_url)

    def rewrite_text(self, text: str) -> str:
        """Every execute-api, known cloudfront.net, user pools endpoint and S3 bucket URL in
        ``text``, made local (a bucket's URL becomes its path-style URL on the emulator, as the
        SDK's presigned POSTs name it there)."""
        if "https://" not in text:
            return text

        def api(match: re.Match[str]) -> str:
            return f"{self.url}/{match.group('api')}{match.group('path') or '/'}"

        def user_pools(match: re.Match[str]) -> str:
            return f"{self.url}{USER_POOLS_PREFIX}{match.group('path') or '/'}"

        def bucket(match: re.Match[str]) -> str:
            path = match.group("path") or ""
            return f"{self.emulator.endpoint}/{match.group('bucket')}{path if path != '/' else ''}"

        text = _EXECUTE_API_URL.sub(api, text)
        text = _USER_POOLS_URL.sub(user_pools, text)
        text = _S3_URL.sub(bucket, text)
        return _CLOUDFRONT_URL.sub(self._local_site_url, text)

    def endpoints(self) -> dict[str, Any]:
        """What is served, with local URLs (also the body of ``GET /``)."""
        return {
            "apis": [
                {"apiId": api_id, "stage": stage, "url": self.api_url(api_id, stage)}
                for api_id, stage in self.apis.stages()
            ],
            "sites": [
                {"distributionId": d, "domainName": domain, "url": self.site_url(d)}
                for d, domain in self.sites.distributions().items()
            ],
            "awsEndpointUrl": self.emulator.endpoint,
        }

    # -- requests --------------------------------------------------------------------------

    def handle(self, request: HttpRequest) -> HttpResponse:
        """Route one request to the API or site its path names."""
        first, _, rest = request.path[1:].partition("/")
        if request.path.rstrip("/") == USER_POOLS_PREFIX:
            return self.user_pools.handle(request)
        if not first:
            return json_response(200, json.dumps(self.endpoints(), indent=2).encode())
        if first == SITES_PREFIX:
            distribution_id, slash, path = rest.partition("/")
            if not slash:
                location = f"/{SITES_PREFIX}/{distribution_id}/"
                if request.query:
                    location += f"?{request.query}"
                return HttpResponse(301, [("Location", location)])
            return self.sites.handle(distribution_id, "/" + path, request)
        stage, _, path = rest.partition("/")
        return self._api(first, stage, "/" + path, request)

    def _api(self, api_id: str, stage: str, path: str, request: HttpRequest) -> HttpResponse:
        """A REST API's answer, any distribution's cloudfront.net URL in a text body made
        local: a function names its CDN by the cloud's domain (an image's derivative URLs),
        which a local client could not open."""
        response = self.apis.handle(api_id, stage, path, request)
        content_type = (response.header("content-type") or "").lower()
        if not TEXT_TYPES.match(content_type) or b"cloudfront.net" not in response.body:
            return response
        try:
            text = response.body.decode("utf-8")
        except UnicodeDecodeError:
            return response
        response.body = _CLOUDFRONT_URL.sub(self._local_site_url, text).encode("utf-8")
        return response

    def _local_site_url(self, match: re.Match[str]) -> str:
        """A known distribution's cloudfront.net URL (``_CLOUDFRONT_URL``), made local."""
        distribution_id = self.sites.distribution_for_domain(match.group("domain"))
        if distribution_id is None:
            return match.group(0)
        return f"{self.url}/{SITES_PREFIX}/{distribution_id}{match.group('path') or '/'}"


# ---------------------------------------------------------------------------------------
# the HTTP server


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], front_door: FrontDoor):
        self.front_door = front_door
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host's FQDN, a DNS round trip we do not need.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def track(self, connection: socket.socket, *, open_: bool) -> None:
        with self._connections_lock:
            if open_:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def close_connections(self) -> None:
        """Idle keep-alive connections would otherwise outlive the server."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "localcloud"
    # Idle keep-alive connections close after this many seconds.
    timeout = 120
    server: _Server

    def setup(self) -> None:
        super().setup()
        # One write per response, and no Nagle delay waiting for the client's ACK.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection, open_=True)

    def finish(self) -> None:
        self.server.track(self.connection, open_=False)
        super().finish()

    def handle_one_request(self) -> None:
        try:
            self.raw_requestline = self.rfile.readline(65537)
            if len(self.raw_requestline) > 65536:
                self.send_error(HTTPStatus.REQUEST_URI_TOO_LONG)
                return
            if not self.raw_requestline:
                self.close_connection = True
                return
            if not self.parse_request():
                return
            self._serve()
        except (TimeoutError, ConnectionError):
            self.close_connection = True

    def _read_body(self) -> bytes | None:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks: list[bytes] = []
            size = 0
            while True:
                line = self.rfile.readline(65537).split(b";", 1)[0].strip()
                length = int(line or b"0", 16)
                if length == 0:
                    while self.rfile.readline(65537).strip():  # trailers
                        pass
                    return b"".join(chunks)
                size += length
                if size > MAX_BODY_BYTES:
                    return None
                chunks.append(self.rfile.read(length))
                self.rfile.readline(3)
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            return None
        return self.rfile.read(length) if length > 0 else b""

    def _serve(self) -> None:
        started = time.perf_counter()
        try:
            body = self._read_body()
        except ValueError:
            self.close_connection = True
            self._write(json_response(400, b'{"message":"Bad Request"}'))
            return
        if body is None:
            self.close_connection = True
            self._write(json_response(413, b'{"message":"Request Too Long"}'))
            return
        target = self.path
        if not target.startswith("/"):  # absolute-form, as proxies send
            parts = urlsplit(target)
            target = parts.path + (f"?{parts.query}" if parts.query else "")
        path, _, query = target.partition("?")
        request = HttpRequest(
            method=self.command,
            path=path or "/",
            query=query,
            headers=list(self.headers.items()),
            body=body,
            source_ip=self.client_address[0],
            protocol=self.request_version,
        )
        try:
            response = self.server.front_door.handle(request)
        except Exception:
            logger.exception("%s %s failed", self.command, self.path)
            response = json_response(500, b'{"message":"Internal server error"}')
        self._write(response)
        logger.debug(
            "%s %s -> %d in %.2f ms",
            self.command,
            self.path,
            response.status,
            (time.perf_counter() - started) * 1000,
        )

    def _write(self, response: HttpResponse) -> None:
        status = response.status
        try:
            reason = HTTPStatus(status).phrase
        except ValueError:
            reason = ""
        lines = [f"{self.protocol_version} {status} {reason}"]
        for name, value in response.headers:
            if name.lower() in ("content-length", "connection", "transfer-encoding", "date"):
                continue
            lines.append(f"{name}: {value.replace(chr(13), ' ').replace(chr(10), ' ')}")
        lines.append(f"Date: {self.date_time_string()}")
        body = response.body
        if status in (204, 304) or status < 200:
            body = b""
        else:
            lines.append(f"Content-Length: {len(body)}")
        if self.command == "HEAD":
            body = b""
        lines.append("Connection: close" if self.close_connection else "Connection: keep-alive")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")
        self.wfile.write(head + body)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s - " + format, self.client_address[0], *args)
