//! JWTs already verified, by their exact text: a client sends the same token with every
//! request until it expires, and checking its signature and claims again each time is most of
//! what authentication costs (measured: ~3.9 µs of a 17.5 µs request, `benches/middleware.py`).
//! A hit is only taken while the token's `exp` holds, so an expired token is refused exactly
//! as the full check would; revocation is checked on every request, after this.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::{Arc, RwLock};

use super::auth::AuthContext;

const SHARDS: usize = 8;
/// Per shard: past it the shard starts again empty (a bound, not a policy: real clients hold
/// few tokens each, and a flood of distinct valid tokens only costs their full checks).
const SHARD_CAPACITY: usize = 1024;

struct Entry {
    context: Arc<AuthContext>,
    exp: u64,
}

pub struct VerifiedTokens {
    hasher: RandomState,
    shards: Vec<RwLock<HashMap<Box<str>, Entry>>>,
}

impl Default for VerifiedTokens {
    fn default() -> Self {
        Self {
            hasher: RandomState::new(),
            shards: (0..SHARDS).map(|_| RwLock::new(HashMap::new())).collect(),
        }
    }
}

impl VerifiedTokens {
    fn shard(&self, token: &str) -> &RwLock<HashMap<Box<str>, Entry>> {
        &self.shards[self.hasher.hash_one(token) as usize % SHARDS]
    }

    /// The context of `token` if it was verified and has not expired (`exp >= now - leeway`,
    /// jsonwebtoken's rule).
    pub fn get(&self, token: &str, now: u64, leeway: u64) -> Option<Arc<AuthContext>> {
        let shard = self.shard(token).read().unwrap_or_else(|e| e.into_inner());
        let entry = shard.get(token)?;
        (entry.exp >= now.saturating_sub(leeway)).then(|| entry.context.clone())
    }

    pub fn insert(&self, token: &str, context: Arc<AuthContext>, exp: u64) {
        let mut shard = self.shard(token).write().unwrap_or_else(|e| e.into_inner());
        if shard.len() >= SHARD_CAPACITY {
            shard.clear();
        }
        shard.insert(token.into(), Entry { context, exp });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context() -> Arc<AuthContext> {
        Arc::new(AuthContext {
            backend: 0,
            kind: "jwt",
            user_id: Some("1".into()),
            is_staff: false,
            is_superuser: false,
            permissions: vec![],
            claims: serde_json::Value::Null,
            jti: None,
        })
    }

    #[test]
    fn hits_only_while_the_token_is_valid() {
        let cache = VerifiedTokens::default();
        cache.insert("t", context(), 100);
        assert!(cache.get("t", 100, 0).is_some());
        assert!(cache.get("t", 101, 0).is_none(), "expired");
        assert!(cache.get("t", 130, 30).is_some(), "within the leeway");
        assert!(cache.get("other", 50, 0).is_none());
    }

    #[test]
    fn stays_bounded() {
        let cache = VerifiedTokens::default();
        for i in 0..(SHARDS * SHARD_CAPACITY * 3) {
            cache.insert(&i.to_string(), context(), 10);
        }
        let held: usize = cache.shards.iter().map(|s| s.read().unwrap().len()).sum();
        assert!(held <= SHARDS * SHARD_CAPACITY);
    }
}
