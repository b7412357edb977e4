//! Authentication in Rust: JWTs (`jsonwebtoken`: HMAC, RSA, RSA-PSS, ECDSA and EdDSA keys,
//! `exp`/`nbf`/`aud`/`iss` checked) and API keys, into the `AuthContext` guards read and
//! handlers get as `request.context`. A credential that fails counts as none: the guards
//! decide between 401 and 403.

use std::collections::HashMap;
use std::sync::Arc;

use bolt_schema::policy::AuthBackend;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// What a request authenticated as.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthContext {
    /// Index of the backend that accepted it (manifest `auth_backends`).
    pub backend: usize,
    pub kind: &'static str,
    pub user_id: Option<String>,
    pub is_staff: bool,
    pub is_superuser: bool,
    pub permissions: Vec<String>,
    /// The token's claims (JWT), else `Value::Null`.
    pub claims: Value,
    pub jti: Option<String>,
}

/// The secrets of one backend, given to the app at runtime (never in the manifest).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackendSecrets {
    #[serde(default)]
    pub secret: Option<String>,
    /// PEM public key for RSA, RSA-PSS, ECDSA or EdDSA tokens.
    #[serde(default)]
    pub public_key: Option<String>,
    /// A JSON Web Key Set (`{"keys": [...]}`); the token's `kid` picks the key.
    #[serde(default)]
    pub jwks: Option<jsonwebtoken::jwk::JwkSet>,
    #[serde(default)]
    pub api_keys: Vec<String>,
    #[serde(default)]
    pub key_permissions: HashMap<String, Vec<String>>,
    /// A Redis revocation store's URL and key prefix.
    #[serde(default)]
    pub revocation_url: Option<String>,
    #[serde(default)]
    pub revocation_prefix: String,
}

pub enum Authenticator {
    Jwt(Box<JwtBackend>),
    ApiKey(ApiKeyBackend),
}

pub struct JwtBackend {
    header: String,
    /// One validation per accepted algorithm (jsonwebtoken checks a key against each listed).
    validations: Vec<(Algorithm, Validation)>,
    secret: Option<DecodingKey>,
    public_key: Option<String>,
    jwks: Option<jsonwebtoken::jwk::JwkSet>,
    require_jti: bool,
    leeway: u64,
    verified: super::verified::VerifiedTokens,
}

pub struct ApiKeyBackend {
    header: String,
    /// SHA-256 of each key → its permissions: looking a key up takes the same time whatever
    /// prefix of a valid key a guesser sends.
    keys: HashMap<[u8; 32], Vec<String>>,
}

fn digest(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

impl Authenticator {
    pub fn new(backend: &AuthBackend, secrets: BackendSecrets) -> Result<Self, String> {
        match backend {
            AuthBackend::Jwt {
                header,
                algorithms,
                audience,
                issuer,
                leeway,
                require_jti,
                ..
            } => {
                let mut validations = Vec::new();
                for name in algorithms {
                    let alg: Algorithm = name
                        .parse()
                        .map_err(|_| format!("JWTAuthentication: unknown algorithm {name:?}"))?;
                    validations.push((alg, validation(alg, *leeway, audience, issuer)));
                }
                if validations.is_empty() {
                    return Err("JWTAuthentication: algorithms must not be empty".into());
                }
                let needs_secret = validations.iter().any(|(a, _)| is_hmac(*a));
                let secret = secrets
                    .secret
                    .as_deref()
                    .map(|s| DecodingKey::from_secret(s.as_bytes()));
                if needs_secret && secret.is_none() && secrets.jwks.is_none() {
                    return Err("JWTAuthentication: an HS* algorithm needs a secret".into());
                }
                let asymmetric = validations.iter().any(|(a, _)| !is_hmac(*a));
                if asymmetric && secrets.public_key.is_none() && secrets.jwks.is_none() {
                    return Err(
                        "JWTAuthentication: RS*/PS*/ES*/EdDSA algorithms need public_key= or jwks="
                            .into(),
                    );
                }
                if let Some(pem) = &secrets.public_key {
                    for (alg, _) in validations.iter().filter(|(a, _)| !is_hmac(*a)) {
                        public_key(*alg, pem).map_err(|e| {
                            format!(
                                "JWTAuthentication: public_key is not a PEM key for {alg:?}: {e}"
                            )
                        })?;
                    }
                }
                Ok(Authenticator::Jwt(Box::new(JwtBackend {
                    header: header.to_ascii_lowercase(),
                    validations,
                    secret,
                    public_key: secrets.public_key,
                    jwks: secrets.jwks,
                    require_jti: *require_jti,
                    leeway: *leeway,
                    verified: Default::default(),
                })))
            }
            AuthBackend::ApiKey { header } => Ok(Authenticator::ApiKey(ApiKeyBackend {
                header: header.to_ascii_lowercase(),
                keys: secrets
                    .api_keys
                    .iter()
                    .map(|k| {
                        let perms = secrets.key_permissions.get(k).cloned().unwrap_or_default();
                        (digest(k), perms)
                    })
                    .collect(),
            })),
        }
    }

    pub fn header(&self) -> &str {
        match self {
            Authenticator::Jwt(b) => &b.header,
            Authenticator::ApiKey(b) => &b.header,
        }
    }

    /// The context for a request whose credential header is `value`, or None.
    pub fn authenticate(&self, index: usize, value: &str) -> Option<Arc<AuthContext>> {
        match self {
            Authenticator::Jwt(backend) => {
                backend.authenticate(index, strip_scheme(value, &["Bearer"]))
            }
            Authenticator::ApiKey(backend) => {
                let key = strip_scheme(value, &["Bearer", "ApiKey"]);
                let permissions = backend.keys.get(&digest(key))?;
                Some(Arc::new(AuthContext {
                    backend: index,
                    kind: "api_key",
                    user_id: Some(format!("apikey:{key}")),
                    is_staff: false,
                    is_superuser: false,
                    permissions: permissions.clone(),
                    claims: Value::Null,
                    jti: None,
                }))
            }
        }
    }
}

/// The checks a token of `alg` gets: signature, `exp` (required) and `nbf` with `leeway`
/// seconds, `aud`/`iss` when given.
pub fn validation(
    alg: Algorithm,
    leeway: u64,
    audience: &[String],
    issuer: &[String],
) -> Validation {
    let mut validation = Validation::new(alg);
    validation.leeway = leeway;
    validation.validate_nbf = true;
    validation.validate_aud = !audience.is_empty();
    if !audience.is_empty() {
        validation.set_audience(audience);
    }
    if !issuer.is_empty() {
        validation.set_issuer(issuer);
    }
    validation
}

pub fn is_hmac(alg: Algorithm) -> bool {
    matches!(alg, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512)
}

pub fn public_key(alg: Algorithm, pem: &str) -> jsonwebtoken::errors::Result<DecodingKey> {
    match alg {
        Algorithm::ES256 | Algorithm::ES384 => DecodingKey::from_ec_pem(pem.as_bytes()),
        Algorithm::EdDSA => DecodingKey::from_ed_pem(pem.as_bytes()),
        _ => DecodingKey::from_rsa_pem(pem.as_bytes()),
    }
}

/// The credential without its scheme word (`Bearer x` → `x`, matched case-insensitively).
fn strip_scheme<'a>(value: &'a str, schemes: &[&str]) -> &'a str {
    let value = value.trim();
    for scheme in schemes {
        if let Some(head) = value.get(..scheme.len() + 1) {
            if head.as_bytes()[..scheme.len()].eq_ignore_ascii_case(scheme.as_bytes())
                && head.ends_with(' ')
            {
                return value[scheme.len() + 1..].trim_start();
            }
        }
    }
    value
}

impl JwtBackend {
    fn key_for(&self, alg: Algorithm, kid: Option<&str>) -> Option<DecodingKey> {
        if let Some(jwks) = &self.jwks {
            let jwk = match kid {
                Some(kid) => jwks.find(kid),
                None if jwks.keys.len() == 1 => jwks.keys.first(),
                None => None,
            }?;
            return DecodingKey::from_jwk(jwk).ok();
        }
        if is_hmac(alg) {
            return self.secret.clone();
        }
        public_key(alg, self.public_key.as_deref()?).ok()
    }

    fn authenticate(&self, index: usize, token: &str) -> Option<Arc<AuthContext>> {
        let now = jsonwebtoken::get_current_timestamp();
        if let Some(known) = self.verified.get(token, now, self.leeway) {
            return Some(known);
        }
        let context = Arc::new(self.verify(index, token)?);
        // `exp` is required and was checked, so it is there (a float rounds down: stricter).
        let exp = context
            .claims
            .get("exp")
            .and_then(Value::as_f64)
            .map_or(0, |e| e as u64);
        self.verified.insert(token, context.clone(), exp);
        Some(context)
    }

    fn verify(&self, index: usize, token: &str) -> Option<AuthContext> {
        let header = jsonwebtoken::decode_header(token).ok()?;
        let (_, validation) = self.validations.iter().find(|(a, _)| *a == header.alg)?;
        let key = self.key_for(header.alg, header.kid.as_deref())?;
        let data = jsonwebtoken::decode::<Value>(token, &key, validation).ok()?;
        let claims = data.claims;
        let text = |name: &str| match claims.get(name) {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        let jti = text("jti");
        if self.require_jti && jti.is_none() {
            return None;
        }
        let flag = |name: &str| claims.get(name).and_then(Value::as_bool).unwrap_or(false);
        let permissions = match claims.get("permissions") {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|p| p.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        };
        Some(AuthContext {
            backend: index,
            kind: "jwt",
            user_id: text("sub"),
            is_staff: flag("is_staff"),
            is_superuser: flag("is_superuser"),
            permissions,
            jti,
            claims,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{encode, EncodingKey, Header};
    use serde_json::json;

    fn jwt_backend(audience: Vec<String>) -> Authenticator {
        let shape = AuthBackend::Jwt {
            header: "Authorization".into(),
            algorithms: vec!["HS256".into(), "HS512".into()],
            audience,
            issuer: vec!["bolt".into()],
            leeway: 0,
            require_jti: false,
            revocation: None,
        };
        let secrets = BackendSecrets {
            secret: Some("s3cret".into()),
            ..BackendSecrets::default()
        };
        Authenticator::new(&shape, secrets).unwrap()
    }

    fn token(alg: Algorithm, claims: Value, secret: &str) -> String {
        encode(
            &Header::new(alg),
            &claims,
            &EncodingKey::from_secret(secret.as_bytes()),
        )
        .unwrap()
    }

    fn later() -> u64 {
        jsonwebtoken::get_current_timestamp() + 600
    }

    #[test]
    fn valid_tokens_become_a_context() {
        let backend = jwt_backend(vec![]);
        let claims = json!({"sub": 42, "exp": later(), "iss": "bolt", "is_staff": true,
                            "permissions": ["a.view", 3]});
        let ctx = backend
            .authenticate(
                0,
                &format!("Bearer {}", token(Algorithm::HS512, claims, "s3cret")),
            )
            .unwrap();
        assert_eq!(ctx.user_id.as_deref(), Some("42"));
        assert!(ctx.is_staff && !ctx.is_superuser);
        assert_eq!(ctx.permissions, vec!["a.view".to_string()]);
        assert_eq!(ctx.kind, "jwt");
    }

    #[test]
    fn bad_tokens_are_no_credentials() {
        let backend = jwt_backend(vec!["api".into()]);
        let now = jsonwebtoken::get_current_timestamp();
        let good = json!({"sub": "1", "exp": later(), "iss": "bolt", "aud": "api"});
        assert!(backend
            .authenticate(0, &token(Algorithm::HS256, good.clone(), "s3cret"))
            .is_some());
        let cases = [
            token(Algorithm::HS256, good.clone(), "wrong"),
            token(Algorithm::HS384, good.clone(), "s3cret"),
            token(
                Algorithm::HS256,
                json!({"sub": "1", "exp": now - 5, "iss": "bolt", "aud": "api"}),
                "s3cret",
            ),
            token(
                Algorithm::HS256,
                json!({"sub": "1", "iss": "bolt", "aud": "api"}),
                "s3cret",
            ),
            token(
                Algorithm::HS256,
                json!({"sub": "1", "exp": later(), "nbf": later(), "iss": "bolt", "aud": "api"}),
                "s3cret",
            ),
            token(
                Algorithm::HS256,
                json!({"sub": "1", "exp": later(), "iss": "other", "aud": "api"}),
                "s3cret",
            ),
            token(
                Algorithm::HS256,
                json!({"sub": "1", "exp": later(), "iss": "bolt", "aud": "web"}),
                "s3cret",
            ),
            "not.a.token".into(),
            String::new(),
        ];
        for bad in cases {
            assert!(backend.authenticate(0, &bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn api_keys_strip_schemes_and_carry_permissions() {
        let shape = AuthBackend::ApiKey {
            header: "X-API-Key".into(),
        };
        let secrets = BackendSecrets {
            api_keys: vec!["k1".into()],
            key_permissions: [("k1".to_string(), vec!["p".to_string()])].into(),
            ..BackendSecrets::default()
        };
        let backend = Authenticator::new(&shape, secrets).unwrap();
        assert_eq!(backend.header(), "x-api-key");
        for value in ["k1", "Bearer k1", "ApiKey k1", "apikey  k1"] {
            let ctx = backend.authenticate(1, value).unwrap();
            assert_eq!(ctx.user_id.as_deref(), Some("apikey:k1"));
            assert_eq!(ctx.permissions, vec!["p".to_string()]);
        }
        assert!(backend.authenticate(1, "k2").is_none());
        assert!(backend.authenticate(1, "k").is_none());
    }
}
