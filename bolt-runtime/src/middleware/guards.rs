//! Guards evaluated in Rust from the auth context: a denied request is answered 401 when it
//! carried no valid credential, 403 when it did.

use bolt_schema::policy::Guard;
use serde_json::Value;

use super::auth::AuthContext;

/// Whether `guard` admits a request authenticated as `ctx` (None: anonymous).
pub fn allows(guard: &Guard, ctx: Option<&AuthContext>) -> bool {
    match guard {
        Guard::AllowAny => true,
        Guard::IsAuthenticated => ctx.is_some(),
        Guard::IsAdminUser => ctx.is_some_and(|c| c.is_superuser),
        Guard::IsStaff => ctx.is_some_and(|c| c.is_staff),
        Guard::HasPermission { permission } => ctx.is_some_and(|c| has(c, permission)),
        Guard::HasAnyPermission { permissions } => {
            ctx.is_some_and(|c| permissions.iter().any(|p| has(c, p)))
        }
        Guard::HasAllPermissions { permissions } => {
            ctx.is_some_and(|c| permissions.iter().all(|p| has(c, p)))
        }
        Guard::Requires {
            claim,
            any_of,
            all_of,
            none_of,
        } => ctx.is_some_and(|c| requires(&c.claims, claim, any_of, all_of, none_of)),
        Guard::And { guards } => guards.iter().all(|g| allows(g, ctx)),
        Guard::Or { guards } => guards.iter().any(|g| allows(g, ctx)),
        Guard::Not { guard } => !allows(guard, ctx),
    }
}

/// A route's guard list: in order, `AllowAny` admitting at once. The status when denied.
pub fn check(guards: &[Guard], ctx: Option<&AuthContext>) -> Result<(), u16> {
    for guard in guards {
        if matches!(guard, Guard::AllowAny) {
            return Ok(());
        }
        if !allows(guard, ctx) {
            return Err(if ctx.is_some() { 403 } else { 401 });
        }
    }
    Ok(())
}

fn has(ctx: &AuthContext, permission: &str) -> bool {
    // Superusers hold every permission, as in Django's `User.has_perm`.
    ctx.is_superuser || ctx.permissions.iter().any(|p| p == permission)
}

/// The claim at a dotted path (`realm_access.roles`).
fn claim_at<'a>(claims: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.')
        .try_fold(claims, |value, part| value.get(part))
}

fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
    }
}

/// A claim's values: the items of a list, the words of a space-separated string (OAuth
/// `scope`), else the value itself.
fn values_of(claim: &Value) -> Vec<Value> {
    match claim {
        Value::Array(items) => items.clone(),
        Value::String(s) if s.contains(' ') => s
            .split_whitespace()
            .map(|w| Value::String(w.to_owned()))
            .collect(),
        other => vec![other.clone()],
    }
}

fn requires(
    claims: &Value,
    path: &str,
    any_of: &[Value],
    all_of: &[Value],
    none_of: &[Value],
) -> bool {
    let Some(claim) = claim_at(claims, path) else {
        return false;
    };
    if any_of.is_empty() && all_of.is_empty() && none_of.is_empty() {
        return truthy(claim);
    }
    let held = values_of(claim);
    (any_of.is_empty() || any_of.iter().any(|v| held.contains(v)))
        && all_of.iter().all(|v| held.contains(v))
        && !none_of.iter().any(|v| held.contains(v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ctx(claims: Value, permissions: &[&str]) -> AuthContext {
        AuthContext {
            backend: 0,
            kind: "jwt",
            user_id: Some("1".into()),
            is_staff: claims["is_staff"].as_bool().unwrap_or(false),
            is_superuser: claims["is_superuser"].as_bool().unwrap_or(false),
            permissions: permissions.iter().map(|p| p.to_string()).collect(),
            claims,
            jti: None,
        }
    }

    #[test]
    fn anonymous_gets_401_authenticated_403() {
        let guards = [Guard::IsAuthenticated, Guard::IsStaff];
        assert_eq!(check(&guards, None), Err(401));
        assert_eq!(check(&guards, Some(&ctx(json!({}), &[]))), Err(403));
        assert_eq!(
            check(&guards, Some(&ctx(json!({"is_staff": true}), &[]))),
            Ok(())
        );
        assert_eq!(check(&[Guard::AllowAny, Guard::IsAdminUser], None), Ok(()));
        assert_eq!(check(&[], None), Ok(()));
    }

    #[test]
    fn permissions_and_combinators() {
        let user = ctx(json!({}), &["a", "b"]);
        let perm = |p: &str| Guard::HasPermission {
            permission: p.into(),
        };
        assert!(allows(&perm("a"), Some(&user)));
        assert!(!allows(&perm("c"), Some(&user)));
        assert!(allows(
            &perm("c"),
            Some(&ctx(json!({"is_superuser": true}), &[]))
        ));
        let all = Guard::HasAllPermissions {
            permissions: vec!["a".into(), "c".into()],
        };
        let any = Guard::HasAnyPermission {
            permissions: vec!["x".into(), "b".into()],
        };
        assert!(!allows(&all, Some(&user)) && allows(&any, Some(&user)));
        let either = Guard::Or {
            guards: vec![all.clone(), any.clone()],
        };
        let both = Guard::And {
            guards: vec![all, any.clone()],
        };
        assert!(allows(&either, Some(&user)) && !allows(&both, Some(&user)));
        let not = Guard::Not {
            guard: Box::new(any),
        };
        assert!(!allows(&not, Some(&user)));
        assert!(
            allows(&not, None),
            "~ of a failing guard admits anonymous requests"
        );
    }

    #[test]
    fn claim_requirements() {
        let user = ctx(
            json!({"scope": "read write", "org": {"roles": ["admin", "dev"]}, "tier": 2}),
            &[],
        );
        let req =
            |claim: &str, any: Vec<Value>, all: Vec<Value>, none: Vec<Value>| Guard::Requires {
                claim: claim.into(),
                any_of: any,
                all_of: all,
                none_of: none,
            };
        assert!(allows(
            &req("scope", vec![json!("write")], vec![], vec![]),
            Some(&user)
        ));
        assert!(!allows(
            &req("scope", vec![json!("admin")], vec![], vec![]),
            Some(&user)
        ));
        assert!(allows(
            &req(
                "org.roles",
                vec![],
                vec![json!("admin"), json!("dev")],
                vec![]
            ),
            Some(&user)
        ));
        assert!(!allows(
            &req("org.roles", vec![], vec![], vec![json!("dev")]),
            Some(&user)
        ));
        assert!(allows(
            &req("tier", vec![json!(1), json!(2)], vec![], vec![]),
            Some(&user)
        ));
        assert!(allows(&req("org", vec![], vec![], vec![]), Some(&user)));
        assert!(!allows(
            &req("missing", vec![], vec![], vec![]),
            Some(&user)
        ));
        assert!(!allows(&req("scope", vec![], vec![], vec![]), None));
    }
}
