"""Type stubs of `django_bolt._core`, the Rust extension (bolt-core: the runtime with the
interpreted route table, and the code generator). A project extension `<project>_bolt` built
by `boltgen` exposes the same runtime API plus `FINGERPRINT`, `ROUTE_COUNT` and `TABLE` (its
generated route table, passed to its own `App(..., table=TABLE)`)."""

from collections.abc import Awaitable, Sequence
from types import ModuleType
from typing import Any, final

__version__: str
RUNTIME_ID: str

@final
class App:
    """One project's routes, handlers and plans, served by `serve` or `test_request`."""

    def __init__(
        self,
        manifest_json: str,
        bindings: Sequence[Any],
        schema_classes: dict[str, type],
        bridge: ModuleType,
        *,
        debug: bool = False,
        max_body_size: int = 10 * 1024 * 1024,
        table: CompiledTable | None = None,
        allowed_hosts: Sequence[str] | None = None,
        use_x_forwarded_host: bool = False,
        max_query_fields: int | None = None,
        max_url_length: int = 8192,
        max_sync_streams: int = 1000,
        max_upload_size: int = 1024 * 1024,
        max_form_parts: int = 100,
        spool_threshold: int = 1024 * 1024,
        max_header_count: int = 100,
        max_header_size: int = 8192,
        middleware: str | None = None,
        auth_objects: Sequence[Any] = (),
        static_files: str | None = None,
        access_log: Any = None,
    ) -> None:
        """`bindings`: one `django_bolt.runtime.RouteBinding` per manifest route (handler,
        defaults, body_type, response_type attributes). `table`: a project extension's `TABLE`
        (its generated route table), which that extension's `App` serves from; it must have
        been generated from `manifest_json`. `allowed_hosts` (Django's effective
        `ALLOWED_HOSTS`; None: not checked), `max_query_fields` and `max_url_length` are checked
        on every request head before routing. `middleware`: the Rust middleware's settings and
        secrets as JSON (`runtime.middleware_config`); `auth_objects`: the Python backend of
        each manifest `auth_backends` entry (user loading, revocation stores in Python);
        `static_files`: JSON `[{"prefix": "/static/", "roots": [dir, ...]}, ...]` served from disk;
        `access_log`: called `(method, path, status, duration_ms)` after each served request."""
    @property
    def route_count(self) -> int: ...
    @property
    def generated_encoders(self) -> list[str]:
        """Schemas whose responses a generated encoder writes (compiled tables only)."""
    @property
    def generated_decoders(self) -> list[str]:
        """Paths of routes whose bodies a generated scanner reads (compiled tables only)."""
    @property
    def compiled(self) -> bool: ...
    def encode_response(self, route: int, value: Any) -> bytes: ...
    def check_body(self, route: int, body: bytes) -> str | None:
        """The JSON list of validation issues of an invalid body; None when valid or unsure."""
    def decode_body(self, route: int, body: bytes) -> tuple[Any, bool]:
        """The decoded body and whether the fast path built it."""
    def fast_scan(self, route: int, body: bytes) -> bool: ...

@final
class CompiledTable:
    """A project extension's generated route table (its `TABLE`); only generated code makes
    one."""

    @property
    def fingerprint(self) -> str:
        """sha256 of the manifest the table was generated from."""
    @property
    def route_count(self) -> int: ...

@final
class Request:
    """What a handler's `request` parameter receives."""

    state: Any
    user: Any
    context: Any
    auth: Any
    @property
    def method(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def query_string(self) -> str: ...
    @property
    def query(self) -> dict[str, str]: ...
    @property
    def headers(self) -> dict[str, str]: ...
    @property
    def cookies(self) -> dict[str, str]: ...
    @property
    def body(self) -> bytes: ...
    @property
    def params(self) -> dict[str, Any]: ...
    @property
    def form(self) -> dict[str, str]: ...
    @property
    def files(self) -> dict[str, Any]: ...
    @property
    def META(self) -> dict[str, Any]: ...  # noqa: N802 (Django's name)
    def build_absolute_uri(self, location: str | None = None) -> str: ...
    def auser(self) -> Awaitable[Any]: ...
    def get_full_path(self) -> str: ...
    def __getitem__(self, key: str) -> Any: ...
    def get(self, key: str, default: Any = None) -> Any: ...

def serve(
    app: App,
    host: str,
    port: int,
    *,
    workers: int = 1,
    backlog: int = 1024,
    shutdown_timeout: int = 30,
    sync_threads: int = 64,
    head_timeout: float = 10.0,
    keep_alive: float = 5.0,
    body_idle_timeout: float = 10.0,
    body_total_timeout: float = 60.0,
    max_connections: int = 10_000,
    handler_timeout: float | None = None,
    handler_timeout_503: bool = False,
    listen_fd: int | None = None,
    ready_fd: int | None = None,
) -> None:
    """Blocks until SIGTERM/SIGINT. Times are seconds. `listen_fd`: a listening socket to serve
    instead of binding `host:port`, taken over (closed when the server stops accepting).
    `ready_fd`: written one byte once the server is up."""
def test_request(
    app: App, method: str, path: str, query: str, headers: Sequence[tuple[str, str]], body: bytes
) -> tuple[int, list[tuple[str, str]], bytes, tuple[Any, bool] | None]:
    """The response; for a streamed one, its chunk iterator and whether it is async."""
def profile_request(
    app: App,
    method: str,
    path: str,
    query: str = "",
    headers: Sequence[tuple[str, str]] = ...,
    body: bytes = b"",
    iterations: int = 20_000,
) -> list[tuple[str, float]]:
    """Rust-side nanoseconds per request of each hot-path phase (`make bench`)."""
def validate_json(body: bytes, ty: str, schemas: str) -> str | None: ...
def check_guards(guards: str, context: str | None = None) -> tuple[int, str] | None:
    """Guards (manifest JSON) against an auth context's JSON: None when admitted, else
    `(status, detail)`."""
def jwt_encode(claims: str, key: str, algorithm: str, kid: str | None = None) -> str:
    """A signed JWT of the JSON `claims`: `key` is the HS* secret or a PEM private key."""
def jwt_decode(token: str, key: str, algorithms: list[str], audience: list[str] = ..., issuer: list[str] = ...,
               leeway: int = 0) -> str:
    """The JSON claims of a checked token; ValueError says what failed."""

# The code generator (bolt-codegen).
def codegen_generate(manifest_text: str, manifest_name: str, runtime_path: str) -> dict[str, str]: ...
def codegen_write(out_dir: str, files: dict[str, str], check: bool = False) -> list[tuple[str, str]]: ...
def codegen_summary(stale: Sequence[tuple[str, str]]) -> str: ...
def codegen_crate_name(project: str) -> str: ...
def codegen_fingerprint(manifest_text: str) -> str: ...
