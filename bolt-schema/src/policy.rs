//! The middleware a route runs in Rust, as the manifest describes it (`docs/manifest.md`):
//! CORS, rate limit, compression and skips per route, the authentication backends (without
//! their secrets, which the runtime receives apart) and the guard tree.

use serde::{Deserialize, Serialize};

fn is_false(value: &bool) -> bool {
    !*value
}

/// A route's Rust middleware. Absent from the manifest when the route has none of it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RoutePolicy {
    /// `@cors(...)`: replaces the global CORS configuration for this route.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cors: Option<CorsPolicy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<RateLimit>,
    /// `@no_compress`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub no_compress: bool,
    /// `@skip_middleware(...)` names the runtime knows: `cors`, `compression`, `rate_limit`, `*`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skip: Vec<String>,
    /// Indices into the manifest's `auth_backends`, tried in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub auth: Vec<usize>,
    /// Checked in order; empty: allow.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub guards: Vec<Guard>,
    /// `SessionAuthentication`: a request no backend here authenticates may still be a
    /// Django session login, so its guards are checked in Python, after Django's middleware.
    #[serde(default, skip_serializing_if = "is_false")]
    pub session: bool,
}

impl RoutePolicy {
    pub fn skips(&self, name: &str) -> bool {
        self.skip.iter().any(|s| s == name || s == "*")
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CorsPolicy {
    #[serde(default)]
    pub origins: Vec<String>,
    /// Full-match regular expressions (`CORS_ALLOWED_ORIGIN_REGEXES`).
    #[serde(default)]
    pub origin_regexes: Vec<String>,
    #[serde(default)]
    pub allow_all: bool,
    pub methods: Vec<String>,
    pub headers: Vec<String>,
    #[serde(default)]
    pub expose_headers: Vec<String>,
    #[serde(default)]
    pub credentials: bool,
    pub max_age: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    /// Sustained requests per second.
    pub rps: u32,
    /// Requests admitted at once before the sustained rate applies.
    pub burst: u32,
    /// `ip`, `user` (the authenticated user id), or the name of a request header.
    pub key: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum AuthBackend {
    Jwt {
        header: String,
        algorithms: Vec<String>,
        #[serde(default)]
        audience: Vec<String>,
        #[serde(default)]
        issuer: Vec<String>,
        #[serde(default)]
        leeway: u64,
        #[serde(default)]
        require_jti: bool,
        /// Where revoked token ids are looked up: `redis` (by the runtime) or `python`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        revocation: Option<String>,
    },
    ApiKey {
        header: String,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Guard {
    AllowAny,
    IsAuthenticated,
    IsAdminUser,
    IsStaff,
    HasPermission {
        permission: String,
    },
    HasAnyPermission {
        permissions: Vec<String>,
    },
    HasAllPermissions {
        permissions: Vec<String>,
    },
    /// A claim (dotted path into the token's claims) holding any of `any_of`, all of
    /// `all_of` and none of `none_of`; with all three empty, present and truthy.
    Requires {
        claim: String,
        #[serde(default)]
        any_of: Vec<serde_json::Value>,
        #[serde(default)]
        all_of: Vec<serde_json::Value>,
        #[serde(default)]
        none_of: Vec<serde_json::Value>,
    },
    And {
        guards: Vec<Guard>,
    },
    Or {
        guards: Vec<Guard>,
    },
    Not {
        guard: Box<Guard>,
    },
}
