//! Rate limits as GCRA (the generic cell rate algorithm: a token bucket kept as one
//! timestamp per key), behind one `RateStore` trait with two stores: this process's memory
//! (the default) and Redis, where the same arithmetic runs as a Lua script so every worker
//! process and machine shares one limit.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use bolt_schema::policy::RateLimit;

/// Keys longer than this are refused (400) rather than stored.
pub const MAX_KEY_LEN: usize = 256;
/// The memory store keeps at most this many keys; past it, a fifth is evicted.
const MAX_KEYS: usize = 100_000;
const SHARDS: usize = 16;

/// A limit in microseconds: one request per `interval`, `burst` at once.
#[derive(Debug, Clone, Copy)]
pub struct Rate {
    pub interval_us: u64,
    /// How far ahead of now the theoretical arrival time may run: `(burst - 1) * interval`.
    pub tolerance_us: u64,
}

impl Rate {
    pub fn new(limit: &RateLimit) -> Self {
        let interval_us = 1_000_000 / u64::from(limit.rps.max(1));
        Self {
            interval_us: interval_us.max(1),
            tolerance_us: interval_us * u64::from(limit.burst.max(1) - 1),
        }
    }

    /// GCRA on a key's stored theoretical arrival time `tat`: the new one when the request
    /// is admitted, else how long until it would be (microseconds).
    pub fn check(&self, tat: u64, now: u64) -> Result<u64, u64> {
        let tat = tat.max(now);
        let allow_at = tat.saturating_sub(self.tolerance_us);
        if now < allow_at {
            return Err(allow_at - now);
        }
        Ok(tat + self.interval_us)
    }
}

/// Where the per-key state lives.
pub trait RateStore: Send + Sync {
    /// Admit a request for `key` under `rate`: Ok, or Err(microseconds to wait).
    fn acquire(&self, key: &str, rate: Rate) -> Result<(), u64>;
}

fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

/// Per-process state, sharded so workers rarely wait on one another.
pub struct MemoryStore {
    shards: Vec<Mutex<HashMap<String, u64>>>,
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
        }
    }
}

impl MemoryStore {
    fn shard(&self, key: &str) -> &Mutex<HashMap<String, u64>> {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        key.hash(&mut hasher);
        &self.shards[hasher.finish() as usize % SHARDS]
    }

    fn acquire_at(&self, key: &str, rate: Rate, now: u64) -> Result<(), u64> {
        let mut shard = self.shard(key).lock().unwrap_or_else(|e| e.into_inner());
        let tat = shard.get(key).copied().unwrap_or(0);
        let next = rate.check(tat, now)?;
        if shard.len() >= MAX_KEYS / SHARDS && !shard.contains_key(key) {
            evict(&mut shard, now);
        }
        shard.insert(key.to_owned(), next);
        Ok(())
    }
}

/// Make room in a full shard: keys whose bucket has refilled carry no state and go first;
/// if that frees too little, the fifth with the oldest arrival times goes.
fn evict(shard: &mut HashMap<String, u64>, now: u64) {
    shard.retain(|_, tat| *tat > now);
    let target = MAX_KEYS / SHARDS * 4 / 5;
    if shard.len() > target {
        let mut times: Vec<u64> = shard.values().copied().collect();
        let cut = shard.len() - target;
        let (_, nth, _) = times.select_nth_unstable(cut);
        let threshold = *nth;
        shard.retain(|_, tat| *tat > threshold);
    }
}

impl RateStore for MemoryStore {
    fn acquire(&self, key: &str, rate: Rate) -> Result<(), u64> {
        self.acquire_at(key, rate, now_us())
    }
}

/// GCRA in Redis, with Redis's clock (so machines with skewed clocks agree): KEYS[1] holds
/// the theoretical arrival time in microseconds; ARGV are the interval and tolerance.
const GCRA_SCRIPT: &str = r"
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000000 + tonumber(now_parts[2])
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local allow_at = tat - tolerance
if now < allow_at then return allow_at - now end
local ttl_ms = math.floor((tat + interval - now) / 1000) + 1
redis.call('SET', KEYS[1], tat + interval, 'PX', ttl_ms)
return 0
";

/// Connections to one Redis server, shared by the worker threads. A request waits at most
/// `TIMEOUT` for Redis; when Redis cannot answer, requests are admitted (a limiter that is
/// down must not take the API down with it) and the failure is logged.
pub struct RedisStore {
    client: redis::Client,
    script: redis::Script,
    idle: Mutex<Vec<redis::Connection>>,
    prefix: String,
    last_warning: Mutex<Option<std::time::Instant>>,
    /// After a failure Redis is not asked again until then: a Redis that is down costs each
    /// request nothing, not a connect timeout (the checks block the worker thread).
    down_until: Mutex<Option<std::time::Instant>>,
}

const TIMEOUT: std::time::Duration = std::time::Duration::from_millis(250);
const RETRY_AFTER_FAILURE: std::time::Duration = std::time::Duration::from_secs(1);

impl RedisStore {
    pub fn new(url: &str, prefix: &str) -> Result<Self, String> {
        let client = redis::Client::open(url)
            .map_err(|e| format!("BOLT_RATE_LIMIT_STORE {url:?} is not a Redis URL: {e}"))?;
        Ok(Self {
            client,
            script: redis::Script::new(GCRA_SCRIPT),
            idle: Mutex::new(Vec::new()),
            prefix: prefix.to_owned(),
            last_warning: Mutex::new(None),
            down_until: Mutex::new(None),
        })
    }

    fn connection(&self) -> redis::RedisResult<redis::Connection> {
        if let Some(connection) = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop() {
            return Ok(connection);
        }
        let connection = self.client.get_connection_with_timeout(TIMEOUT)?;
        connection.set_read_timeout(Some(TIMEOUT))?;
        connection.set_write_timeout(Some(TIMEOUT))?;
        Ok(connection)
    }

    /// Run `f` on a pooled connection; a connection that failed is dropped, not returned,
    /// and Redis is left alone for `RETRY_AFTER_FAILURE`.
    pub fn with_connection<T>(
        &self,
        f: impl FnOnce(&mut redis::Connection) -> redis::RedisResult<T>,
    ) -> redis::RedisResult<T> {
        let lock = || self.down_until.lock().unwrap_or_else(|e| e.into_inner());
        if lock().is_some_and(|until| std::time::Instant::now() < until) {
            return Err(redis::RedisError::from((
                redis::ErrorKind::IoError,
                "Redis failed a moment ago; not asked again yet",
            )));
        }
        let result = self.connection().and_then(|mut connection| {
            let result = f(&mut connection);
            if result.is_ok() {
                self.idle
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(connection);
            }
            result
        });
        if result.is_err() {
            *lock() = Some(std::time::Instant::now() + RETRY_AFTER_FAILURE);
        }
        result
    }

    /// Log a Redis failure, at most once a minute.
    pub fn warn(&self, what: &str, err: &redis::RedisError) {
        let mut last = self.last_warning.lock().unwrap_or_else(|e| e.into_inner());
        if last.is_none_or(|t| t.elapsed() > std::time::Duration::from_secs(60)) {
            *last = Some(std::time::Instant::now());
            eprintln!("django-bolt: Redis {what} failed ({err}); requests are admitted meanwhile");
        }
    }

    pub fn prefixed(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }
}

impl RateStore for RedisStore {
    fn acquire(&self, key: &str, rate: Rate) -> Result<(), u64> {
        let key = self.prefixed(key);
        let result = self.with_connection(|connection| {
            self.script
                .key(&key)
                .arg(rate.interval_us)
                .arg(rate.tolerance_us)
                .invoke::<u64>(connection)
        });
        match result {
            Ok(0) => Ok(()),
            Ok(wait) => Err(wait),
            Err(err) => {
                self.warn("rate limit check", &err);
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(rps: u32, burst: u32) -> Rate {
        Rate::new(&RateLimit {
            rps,
            burst,
            key: "ip".into(),
        })
    }

    #[test]
    fn burst_then_the_sustained_rate() {
        let store = MemoryStore::default();
        let rate = rate(10, 3);
        let start = 1_000_000_000;
        for _ in 0..3 {
            assert!(store.acquire_at("k", rate, start).is_ok());
        }
        let wait = store.acquire_at("k", rate, start).unwrap_err();
        assert_eq!(wait, 100_000);
        assert!(
            store.acquire_at("other", rate, start).is_ok(),
            "keys are independent"
        );
        assert!(store.acquire_at("k", rate, start + 100_000).is_ok());
        assert!(store.acquire_at("k", rate, start + 100_000).is_err());
        // Over one second after the burst, at most rps more are admitted.
        let admitted = (0..1000)
            .filter(|ms| {
                store
                    .acquire_at("k", rate, start + 100_000 + ms * 1000)
                    .is_ok()
            })
            .count();
        assert!((9..=10).contains(&admitted), "{admitted}");
    }

    #[test]
    fn a_failed_redis_is_left_alone_for_a_while() {
        let store = RedisStore::new("redis://127.0.0.1:1/0", "t:").unwrap();
        let first = store.with_connection(|c| redis::cmd("PING").query::<String>(c));
        assert!(first.is_err());
        let second = store.with_connection(|c| redis::cmd("PING").query::<String>(c));
        assert!(second
            .unwrap_err()
            .to_string()
            .contains("not asked again yet"));
        assert!(store.acquire("k", rate(1, 1)).is_ok(), "limits fail open");
    }

    #[test]
    fn eviction_keeps_the_map_bounded() {
        let mut shard: HashMap<String, u64> = (0..MAX_KEYS / SHARDS)
            .map(|i| (i.to_string(), 10_000 + i as u64))
            .collect();
        evict(&mut shard, 0);
        assert!(shard.len() <= MAX_KEYS / SHARDS * 4 / 5);
        assert!(
            shard.contains_key(&(MAX_KEYS / SHARDS - 1).to_string()),
            "newest kept"
        );
        evict(&mut shard, u64::MAX);
        assert!(shard.is_empty(), "refilled buckets carry no state");
    }
}
