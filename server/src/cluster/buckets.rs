//! Rate-limit buckets in Redis, so that limits hold across nodes. The same
//! token bucket as `chat_core::rate::Bucket`, run by a script on Redis's
//! clock: one hash per bucket (`tokens`, `at` in ms), expiring once it
//! would have refilled.

use super::link::Cluster;
use async_trait::async_trait;
use chat_core::allowance::SharedBuckets;
use chat_core::rate::Rate;
use redis::Script;
use std::sync::LazyLock;
use std::time::Duration;

/// KEYS[1] the bucket; ARGV: burst, tokens per second, `take` or `refund`.
/// Returns 0 when a token was taken (or given back), else the ms to wait.
static BUCKET_SCRIPT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        "local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local burst, rate = tonumber(ARGV[1]), tonumber(ARGV[2])
local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(bucket[1]) or burst
local at = tonumber(bucket[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) / 1000 * rate)
local wait = 0
if ARGV[3] == 'take' then
  if tokens >= 1 then tokens = tokens - 1 else wait = math.ceil((1 - tokens) / rate * 1000) end
else
  tokens = math.min(burst, tokens + 1)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return wait",
    )
});

impl Cluster {
    async fn bucket(&self, key: &str, rate: Rate, action: &str) -> Option<u64> {
        let mut invocation = BUCKET_SCRIPT.prepare_invoke();
        invocation
            .key(self.key(format_args!("rate:{key}")))
            .arg(rate.burst)
            .arg(rate.per_second)
            .arg(action);
        let mut redis = self.redis();
        self.call(async move { invocation.invoke_async(&mut redis).await })
            .await
            .ok()
    }
}

#[async_trait]
impl SharedBuckets for Cluster {
    async fn take(&self, key: &str, rate: Rate) -> Option<Result<(), Duration>> {
        Some(match self.bucket(key, rate, "take").await? {
            0 => Ok(()),
            wait => Err(Duration::from_millis(wait)),
        })
    }

    async fn refund(&self, key: &str, rate: Rate) -> bool {
        self.bucket(key, rate, "refund").await.is_some()
    }
}
