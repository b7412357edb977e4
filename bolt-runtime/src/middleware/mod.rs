//! The Rust middleware layer, run without the GIL: CORS (preflights answered here), rate
//! limits, authentication and guards on the way in (`Middleware::admit`), and on the way out
//! (`Middleware::finish`, the one place every response passes) CORS headers and compression.
//! What a route runs is manifest data (`RoutePolicy`), lowered once when the app is built, so
//! both route tables serve the same middleware.

pub mod auth;
pub mod compress;
pub mod cors;
pub mod guards;
pub mod ratelimit;
pub mod stream;
pub mod token;
pub mod verified;

use std::sync::Arc;

use bolt_schema::policy::{CorsPolicy, Guard, RateLimit, RoutePolicy};
use serde::Deserialize;

use crate::http::HttpRequest;
use crate::http::HttpResponse;
use crate::manifest::Manifest;
use crate::router::Lookup;
use crate::table::RouteTable;
use auth::{AuthContext, Authenticator, BackendSecrets};
use compress::{CompressionConfig, Encoding};
use cors::Cors;
use ratelimit::{MemoryStore, Rate, RateStore, RedisStore};

/// What the app is given at runtime besides the manifest (Django settings and secrets).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MiddlewareConfig {
    /// The global CORS policy (django-cors-headers' settings), for routes without `@cors`.
    #[serde(default)]
    pub cors: Option<CorsPolicy>,
    #[serde(default)]
    pub compression: Option<CompressionConfig>,
    /// `BOLT_RATE_LIMIT_STORE`: a `redis://` URL, else limits are kept in this process.
    #[serde(default)]
    pub rate_limit_store: Option<String>,
    /// Per manifest auth backend: its keys.
    #[serde(default)]
    pub auth_secrets: Vec<BackendSecrets>,
    /// `BOLT_RATE_LIMIT_TRUST_FORWARDED`: `key="ip"` reads `X-Forwarded-For`/`X-Real-IP`
    /// (django-bolt's behaviour, right behind a proxy that sets them); else the peer only.
    #[serde(default = "trusted")]
    pub trust_forwarded: bool,
}

fn trusted() -> bool {
    true
}

/// How a backend's revoked token ids are looked up.
enum Revocation {
    None,
    /// A key per revoked id (`<prefix><jti>`), so each can expire with its token.
    Redis(Arc<RedisStore>),
    /// A Python store, asked under the GIL when the handler is called.
    Python,
}

struct RouteLimit {
    rate: Rate,
    limit: RateLimit,
    /// The `X-RateLimit-*` values, formatted once.
    limit_text: String,
    burst_text: String,
}

/// One route's middleware, ready for requests.
struct RouteMiddleware {
    cors: Option<Arc<Cors>>,
    compress: bool,
    limit: Option<RouteLimit>,
    auth: Vec<usize>,
    guards: Vec<Guard>,
    /// Anonymous requests go on to Python, whose session guard decides (`RoutePolicy::session`).
    session: bool,
    /// No limit, backend or guard: `admit` has nothing to do.
    passthrough: bool,
}

pub struct Middleware {
    global_cors: Option<Arc<Cors>>,
    compression: Option<CompressionConfig>,
    routes: Vec<RouteMiddleware>,
    backends: Vec<Authenticator>,
    revocations: Vec<Revocation>,
    store: Box<dyn RateStore>,
    /// Whether any route (or the global configuration) has CORS.
    any_cors: bool,
    trust_forwarded: bool,
}

/// What `finish` needs from a request after it has moved on to its handler.
#[derive(Debug, Default)]
pub struct Exit {
    origin: Option<String>,
    accept_encoding: Option<String>,
    /// The route that answered (None: routing did, or a head check).
    pub route: Option<usize>,
    /// A preflight answer, complete as it is.
    pub preflight: bool,
}

impl Middleware {
    pub fn new(manifest: &Manifest, config: MiddlewareConfig) -> Result<Self, String> {
        let global_cors = config
            .cors
            .as_ref()
            .map(Cors::new)
            .transpose()?
            .map(Arc::new);
        let mut secrets = config.auth_secrets.into_iter();
        let mut backends = Vec::new();
        let mut revocations = Vec::new();
        for (index, shape) in manifest.auth_backends.iter().enumerate() {
            let mut keys = secrets
                .next()
                .ok_or_else(|| format!("auth backend {index} has no runtime configuration"))?;
            let revocation = match shape {
                bolt_schema::policy::AuthBackend::Jwt { revocation, .. } => {
                    match revocation.as_deref() {
                        None => Revocation::None,
                        Some("python") => Revocation::Python,
                        Some("redis") => {
                            let url = keys.revocation_url.take().ok_or_else(|| {
                                format!(
                                    "auth backend {index}: a Redis revocation store needs a URL"
                                )
                            })?;
                            Revocation::Redis(Arc::new(RedisStore::new(
                                &url,
                                &keys.revocation_prefix,
                            )?))
                        }
                        Some(other) => return Err(format!("unknown revocation store {other:?}")),
                    }
                }
                bolt_schema::policy::AuthBackend::ApiKey { .. } => Revocation::None,
            };
            backends.push(Authenticator::new(shape, keys)?);
            revocations.push(revocation);
        }
        let mut routes = Vec::with_capacity(manifest.routes.len());
        for route in &manifest.routes {
            let policy = route.middleware.clone().unwrap_or_default();
            routes.push(lower(&policy, &global_cors, &config.compression)?);
        }
        let store: Box<dyn RateStore> = match config.rate_limit_store.as_deref() {
            Some(url) if !url.is_empty() && url != "memory" => {
                Box::new(RedisStore::new(url, "bolt:rl:")?)
            }
            _ => Box::new(MemoryStore::default()),
        };
        Ok(Self {
            trust_forwarded: config.trust_forwarded,
            any_cors: global_cors.is_some() || routes.iter().any(|r| r.cors.is_some()),
            global_cors,
            compression: config.compression,
            routes,
            backends,
            revocations,
            store,
        })
    }

    /// Capture what the way out needs (nothing when no CORS or compression is configured).
    pub fn exit_for<'a>(&self, header: impl Fn(&str) -> Option<&'a str>) -> Exit {
        Exit {
            origin: self
                .any_cors
                .then(|| header("origin").map(str::to_owned))
                .flatten(),
            accept_encoding: self
                .compression
                .is_some()
                .then(|| header("accept-encoding").map(str::to_owned))
                .flatten(),
            route: None,
            preflight: false,
        }
    }

    fn cors_for(&self, route: Option<usize>) -> Option<&Cors> {
        match route {
            Some(route) => self.routes[route].cors.as_deref(),
            None => self.global_cors.as_deref(),
        }
    }

    /// The answer to a CORS preflight for `request`, when it is one and CORS applies.
    pub fn preflight(&self, table: &dyn RouteTable, request: &HttpRequest) -> Option<HttpResponse> {
        if !self.any_cors || request.method() != "OPTIONS" {
            return None;
        }
        let origin = request.header("origin")?;
        let method = request.header("access-control-request-method")?;
        let route = match table.lookup(&method.trim().to_ascii_uppercase(), request.path()) {
            Lookup::Found { route, .. } => Some(route),
            _ => None,
        };
        let cors = self.cors_for(route)?;
        let answer = cors.preflight(
            origin,
            method,
            request.header("access-control-request-headers"),
        );
        Some(match answer {
            Ok(response) => response,
            Err(refused) => {
                let detail = match refused {
                    cors::Refused::Origin => format!("CORS origin {origin:?} is not allowed"),
                    cors::Refused::Method => format!("CORS method {method:?} is not allowed"),
                    cors::Refused::Header(h) => format!("CORS header {h:?} is not allowed"),
                };
                let mut response = HttpResponse::detail(403, &detail);
                cors::add_vary(&mut response, "Origin");
                response
            }
        })
    }

    /// Rate limit, authentication and guards for a routed request: its auth context, or
    /// the answer (400, 401, 403, 429).
    pub fn admit(
        &self,
        route: usize,
        request: &HttpRequest,
    ) -> Result<Option<Arc<AuthContext>>, HttpResponse> {
        let policy = &self.routes[route];
        if policy.passthrough {
            return Ok(None);
        }
        let by_user = policy.limit.as_ref().is_some_and(|l| l.limit.key == "user");
        if let Some(limit) = policy.limit.as_ref().filter(|_| !by_user) {
            self.limit(route, limit, request, None)?;
        }
        let context = self.authenticate(&policy.auth, request);
        if let Err(status) = guards::check(&policy.guards, context.as_deref()) {
            if !(policy.session && context.is_none()) {
                // A per-user limit still counts refused attempts, by address: guessing
                // credentials is limited like anything else.
                if let Some(limit) = policy.limit.as_ref().filter(|_| by_user) {
                    self.limit(route, limit, request, None)?;
                }
                return Err(denied(status));
            }
        }
        if let Some(limit) = policy.limit.as_ref().filter(|_| by_user) {
            self.limit(route, limit, request, context.as_deref())?;
        }
        Ok(context)
    }

    /// The guards' answer for a request whose credential turned out revoked (checked in
    /// Python): None when the route admits anonymous requests.
    pub fn recheck_anonymous(&self, route: usize) -> Option<HttpResponse> {
        guards::check(&self.routes[route].guards, None)
            .err()
            .map(denied)
    }

    /// Whether `backend` keeps its revoked ids in Python.
    pub fn revocation_in_python(&self, backend: usize) -> bool {
        matches!(self.revocations.get(backend), Some(Revocation::Python))
    }

    fn authenticate(&self, backends: &[usize], request: &HttpRequest) -> Option<Arc<AuthContext>> {
        for &index in backends {
            let backend = &self.backends[index];
            let Some(value) = request.header(backend.header()) else {
                continue;
            };
            let Some(context) = backend.authenticate(index, value) else {
                continue;
            };
            if let (Revocation::Redis(store), Some(jti)) = (&self.revocations[index], &context.jti)
            {
                let key = store.prefixed(jti);
                let revoked =
                    store.with_connection(|c| redis::cmd("EXISTS").arg(&key).query::<bool>(c));
                match revoked {
                    Ok(true) => continue,
                    Ok(false) => {}
                    // Unlike a limiter, a revocation list that cannot be read fails closed.
                    Err(err) => {
                        store.warn("revocation check", &err);
                        continue;
                    }
                }
            }
            return Some(context);
        }
        None
    }

    fn limit(
        &self,
        route: usize,
        limit: &RouteLimit,
        request: &HttpRequest,
        context: Option<&AuthContext>,
    ) -> Result<(), HttpResponse> {
        let who = match limit.limit.key.as_str() {
            "ip" => client_ip(request, self.trust_forwarded),
            // Hashed: an API key's context names the key itself, which must not become a
            // Redis key name.
            "user" => match context.and_then(|c| c.user_id.as_deref()) {
                Some(user) => format!("user:{}", short_digest(user)),
                None => client_ip(request, self.trust_forwarded),
            },
            header => request.header(header).unwrap_or("").to_owned(),
        };
        if who.len() > ratelimit::MAX_KEY_LEN {
            return Err(HttpResponse::detail(400, "Rate limit key too long"));
        }
        let key = format!("{route}:{who}");
        let Err(wait_us) = self.store.acquire(&key, limit.rate) else {
            return Ok(());
        };
        let seconds = wait_us.div_ceil(1_000_000).max(1);
        let body = format!(
            r#"{{"detail":"Rate limit exceeded. Try again in {seconds} seconds.","retry_after":{seconds}}}"#
        );
        Err(HttpResponse::json(429, body)
            .with_header("retry-after", seconds.to_string())
            .with_header("x-ratelimit-limit", &*limit.limit_text)
            .with_header("x-ratelimit-burst", &*limit.burst_text))
    }

    /// The way out: CORS headers and compression for `response`. For a streamed body the
    /// chosen encoding is returned (the transport wraps the stream) when `encode_streams`.
    pub fn finish(
        &self,
        response: &mut HttpResponse,
        exit: &Exit,
        encode_streams: bool,
    ) -> Option<Encoding> {
        if !self.any_cors && self.compression.is_none() {
            return None;
        }
        if let Some(cors) = self.cors_for(exit.route).filter(|_| !exit.preflight) {
            cors.apply(response, exit.origin.as_deref());
        }
        let config = self.compression.as_ref()?;
        if exit.route.is_some_and(|r| !self.routes[r].compress) || !compress::eligible(response) {
            return None;
        }
        let streamed = response.stream.is_some();
        if response.stream.as_ref().is_some_and(|s| s.is_file()) {
            return None;
        }
        if !streamed && response.body.len() < config.minimum_size {
            return None;
        }
        cors::add_vary(response, "Accept-Encoding");
        let encoding = config.negotiate(exit.accept_encoding.as_deref()?)?;
        if streamed {
            if !encode_streams {
                return None;
            }
        } else {
            match compress::compress(encoding, &response.body) {
                Ok(body) => response.body = body,
                Err(err) => {
                    eprintln!("django-bolt: compressing a response failed ({err}); sent as it is");
                    return None;
                }
            }
        }
        response
            .headers
            .retain(|(n, _)| !n.eq_ignore_ascii_case("content-length"));
        // The compressed bytes are not the entity a strong validator names.
        for (name, value) in response.headers.iter_mut() {
            if name.eq_ignore_ascii_case("etag") && !value.starts_with("W/") {
                *value = format!("W/{value}").into();
            }
        }
        response.push_header("content-encoding".to_owned(), encoding.token().to_owned());
        Some(encoding)
    }
}

/// The 401/403 answers, with django-bolt's wording.
pub fn denied_detail(status: u16) -> &'static str {
    if status == 401 {
        "Authentication required"
    } else {
        "Permission denied"
    }
}

/// Guards (manifest JSON) checked against a context (`request.context`'s JSON, None when
/// anonymous), for the session guard in Python: None when admitted, else (status, detail).
pub fn check_guards(
    guards: &str,
    context: Option<&str>,
) -> Result<Option<(u16, &'static str)>, String> {
    let guards: Vec<Guard> = serde_json::from_str(guards).map_err(|e| format!("guards: {e}"))?;
    let context = match context {
        None => None,
        Some(text) => {
            let value: serde_json::Value =
                serde_json::from_str(text).map_err(|e| format!("context: {e}"))?;
            let text_of = |name: &str| match value.get(name) {
                Some(serde_json::Value::String(s)) => Some(s.clone()),
                Some(serde_json::Value::Number(n)) => Some(n.to_string()),
                _ => None,
            };
            let flag = |name: &str| value.get(name).and_then(|v| v.as_bool()).unwrap_or(false);
            Some(AuthContext {
                backend: 0,
                kind: "session",
                user_id: text_of("user_id"),
                is_staff: flag("is_staff"),
                is_superuser: flag("is_superuser"),
                permissions: value
                    .get("permissions")
                    .and_then(|p| p.as_array())
                    .map(|items| {
                        items
                            .iter()
                            .filter_map(|p| p.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default(),
                claims: value.get("auth_claims").cloned().unwrap_or_default(),
                jti: None,
            })
        }
    };
    Ok(guards::check(&guards, context.as_ref())
        .err()
        .map(|status| (status, denied_detail(status))))
}

fn denied(status: u16) -> HttpResponse {
    HttpResponse::detail(status, denied_detail(status))
}

/// django-bolt's `key="ip"`: the first `X-Forwarded-For` address, else `X-Real-IP`, else
/// `Remote-Addr`, else the peer.
fn client_ip(request: &HttpRequest, trust_forwarded: bool) -> String {
    if !trust_forwarded {
        return request
            .peer
            .map_or_else(|| "unknown".to_owned(), |p| p.to_string());
    }
    let forwarded = request
        .header("x-forwarded-for")
        .and_then(|v| v.split(',').next())
        .map(str::trim)
        .filter(|v| !v.is_empty());
    forwarded
        .or_else(|| request.header("x-real-ip").map(str::trim))
        .or_else(|| request.header("remote-addr").map(str::trim))
        .map(str::to_owned)
        .or_else(|| request.peer.map(|p| p.to_string()))
        .unwrap_or_else(|| "unknown".to_owned())
}

/// The first 16 hex digits of a SHA-256: the same in every process and machine.
fn short_digest(text: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(text.as_bytes())[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn lower(
    policy: &RoutePolicy,
    global_cors: &Option<Arc<Cors>>,
    compression: &Option<CompressionConfig>,
) -> Result<RouteMiddleware, String> {
    let cors = if policy.skips("cors") {
        None
    } else if let Some(own) = &policy.cors {
        Some(Arc::new(Cors::new(own)?))
    } else {
        global_cors.clone()
    };
    let limit = policy
        .rate_limit
        .as_ref()
        .filter(|_| !policy.skips("rate_limit"))
        .map(|limit| RouteLimit {
            rate: Rate::new(limit),
            limit_text: limit.rps.to_string(),
            burst_text: limit.burst.to_string(),
            limit: limit.clone(),
        });
    Ok(RouteMiddleware {
        passthrough: limit.is_none() && policy.auth.is_empty() && policy.guards.is_empty(),
        cors,
        compress: compression.is_some() && !policy.no_compress && !policy.skips("compression"),
        limit,
        auth: policy.auth.clone(),
        guards: policy.guards.clone(),
        session: policy.session,
    })
}
