//! Making and reading tokens for Python (`django_bolt.auth.Token`, `create_jwt_for_user`)
//! with the same `jsonwebtoken` code that checks them on requests.

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::Value;

fn algorithm(name: &str) -> Result<Algorithm, String> {
    name.parse()
        .map_err(|_| format!("unknown JWT algorithm {name:?}"))
}

/// `claims` (a JSON object) signed with `key`: a secret for HS*, a PEM private key otherwise.
pub fn encode(
    claims: &str,
    key: &str,
    algorithm_name: &str,
    kid: Option<String>,
) -> Result<String, String> {
    let alg = algorithm(algorithm_name)?;
    let claims: Value = serde_json::from_str(claims).map_err(|e| e.to_string())?;
    let pem = key.as_bytes();
    let key = match alg {
        _ if super::auth::is_hmac(alg) => EncodingKey::from_secret(pem),
        Algorithm::ES256 | Algorithm::ES384 => {
            EncodingKey::from_ec_pem(pem).map_err(|e| e.to_string())?
        }
        Algorithm::EdDSA => EncodingKey::from_ed_pem(pem).map_err(|e| e.to_string())?,
        _ => EncodingKey::from_rsa_pem(pem).map_err(|e| e.to_string())?,
    };
    let mut header = Header::new(alg);
    header.kid = kid;
    jsonwebtoken::encode(&header, &claims, &key).map_err(|e| e.to_string())
}

/// The claims of `token` as JSON, checked as a request's would be (signature, `exp`, `nbf`,
/// `aud` and `iss` when given): Err names what failed.
pub fn decode(
    token: &str,
    key: &str,
    algorithms: &[String],
    audience: &[String],
    issuer: &[String],
    leeway: u64,
) -> Result<String, String> {
    let header = jsonwebtoken::decode_header(token).map_err(|e| e.to_string())?;
    let allowed: Vec<Algorithm> = algorithms
        .iter()
        .map(|a| algorithm(a))
        .collect::<Result<_, _>>()?;
    // One key is the HMAC secret or the public key by the token's say-so: a list mixing the
    // two would accept an HS* token signed with the (public) key.
    let hmac = allowed.iter().filter(|a| super::auth::is_hmac(**a)).count();
    if hmac != 0 && hmac != allowed.len() {
        return Err("algorithms must be all HS* or all asymmetric: one key cannot be both".into());
    }
    if !allowed.contains(&header.alg) {
        return Err(format!("token algorithm {:?} is not allowed", header.alg));
    }
    let validation = super::auth::validation(header.alg, leeway, audience, issuer);
    let key = if super::auth::is_hmac(header.alg) {
        jsonwebtoken::DecodingKey::from_secret(key.as_bytes())
    } else {
        super::auth::public_key(header.alg, key).map_err(|e| e.to_string())?
    };
    let data =
        jsonwebtoken::decode::<Value>(token, &key, &validation).map_err(|e| e.to_string())?;
    Ok(data.claims.to_string())
}
