//! Who is online on which node, kept in Redis so that every node can tell,
//! and so that the people of a node that dies without a word drop out.
//!
//! Keys, under the site's prefix (names never contain spaces):
//! - `nodes`: sorted set of node ids, scored by when each counts as dead
//!   (Redis's clock, in ms). A node renews its own at every [`HEARTBEAT`];
//!   one that stops (killed, cut off) is found dead by the next heartbeat of
//!   any other node after [`NODE_TTL`], and that node removes its entries.
//! - `online:<room>`: set of `<node> <name>`, one per person per node.
//! - `node:<node>:entries`: set of `<room> <name>`, the node's own entries,
//!   so that whoever finds it dead can remove them.
//!
//! Scripts keep each step atomic, and read Redis's clock, so that the
//! nodes' own clocks do not have to agree.

use super::health::ClusterError;
use super::link::Cluster;
use redis::Script;
use std::collections::BTreeSet;
use std::sync::LazyLock;
use std::time::Duration;

/// How often a node renews its liveness and its entries.
pub const HEARTBEAT: Duration = Duration::from_secs(5);
/// How long a node that stopped renewing counts as alive. Its people drop
/// out of everyone's list at most this plus one [`HEARTBEAT`] after it died.
pub const NODE_TTL: Duration = Duration::from_secs(15);

/// Seconds and microseconds → milliseconds, from Redis's own clock.
const NOW: &str = "local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
";

/// Renews the node (KEYS[1] `nodes`, ARGV[1] node, ARGV[2] ttl ms) and
/// makes its entries (KEYS[2]) exactly ARGV[4..] (`<room> <name>`), under
/// prefix ARGV[3]. Returns whether the node was absent (new, or given up
/// for dead), the nodes whose time has run out, and how many are alive.
static HEARTBEAT_SCRIPT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&format!(
        "{NOW}
local node, prefix = ARGV[1], ARGV[3]
local absent = redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), node)
local wanted = {{}}
for i = 4, #ARGV do wanted[ARGV[i]] = true end
for _, entry in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  if not wanted[entry] then
    local room, name = string.match(entry, '^(%S+) (%S+)$')
    redis.call('SREM', prefix .. ':online:' .. room, node .. ' ' .. name)
    redis.call('SREM', KEYS[2], entry)
  end
end
for i = 4, #ARGV do
  if redis.call('SADD', KEYS[2], ARGV[i]) == 1 then
    local room, name = string.match(ARGV[i], '^(%S+) (%S+)$')
    redis.call('SADD', prefix .. ':online:' .. room, node .. ' ' .. name)
  end
end
local dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
return {{absent, dead, redis.call('ZCOUNT', KEYS[1], '(' .. now, '+inf')}}"
    ))
});

/// Removes node ARGV[1] (from KEYS[1] `nodes`) and its entries: a dead one
/// (unless another node already did, or it came back), or with ARGV[3]
/// `leaving` this node itself. Returns the removed entries.
static REAP_SCRIPT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&format!(
        "{NOW}
local node, prefix = ARGV[1], ARGV[2]
if ARGV[3] ~= 'leaving' then
  local expires = redis.call('ZSCORE', KEYS[1], node)
  if not expires or tonumber(expires) > now then return {{}} end
end
redis.call('ZREM', KEYS[1], node)
local key = prefix .. ':node:' .. node .. ':entries'
local gone = redis.call('SMEMBERS', key)
for _, entry in ipairs(gone) do
  local room, name = string.match(entry, '^(%S+) (%S+)$')
  redis.call('SREM', prefix .. ':online:' .. room, node .. ' ' .. name)
end
redis.call('DEL', key)
return gone"
    ))
});

/// The names in room KEYS[1] (`online:<room>`) on live nodes (KEYS[2])
/// other than ARGV[1]. Members of nodes no longer in `nodes` at all (whose
/// removal was cut short) are removed on the way.
static ELSEWHERE_SCRIPT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&format!(
        "{NOW}
local names = {{}}
for _, member in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local node, name = string.match(member, '^(%S+) (%S+)$')
  if node ~= ARGV[1] then
    local expires = redis.call('ZSCORE', KEYS[2], node)
    if not expires then
      redis.call('SREM', KEYS[1], member)
    elseif tonumber(expires) > now then
      table.insert(names, name)
    end
  end
end
return names"
    ))
});

/// What one heartbeat found.
#[derive(Debug, Default)]
pub struct Heartbeat {
    /// How many nodes are alive, this one included.
    pub nodes: usize,
    /// This node was missing from the cluster (it had been cut off long
    /// enough to be given up for dead) and has just written its entries
    /// afresh, so the other nodes should be told who is here.
    pub rejoined: bool,
    /// `(room, name)` of people whose node died, now removed.
    pub departed: Vec<(String, String)>,
}

impl Cluster {
    /// Renews this node and makes its entries in Redis exactly `here`
    /// (`(room, name)` of everyone on this node), then removes any node
    /// found dead. Runs even while Redis is thought unreachable.
    pub async fn heartbeat(
        &self,
        here: &BTreeSet<(String, String)>,
    ) -> Result<Heartbeat, ClusterError> {
        let mut invocation = HEARTBEAT_SCRIPT.prepare_invoke();
        invocation
            .key(self.key(format_args!("nodes")))
            .key(self.entries_key(self.node()))
            .arg(self.node())
            .arg(NODE_TTL.as_millis() as u64)
            .arg(self.prefix());
        for (room, name) in here {
            invocation.arg(format!("{room} {name}"));
        }
        let mut redis = self.redis();
        let (absent, dead, nodes): (bool, Vec<String>, usize) = self
            .probe(async move { invocation.invoke_async(&mut redis).await })
            .await?;
        let mut beat = Heartbeat {
            nodes,
            rejoined: absent,
            departed: Vec::new(),
        };
        for node in dead.iter().filter(|node| *node != self.node()) {
            // One that fails is tried again at the next heartbeat; the
            // others' people are announced meanwhile.
            match self.reap(node, false).await {
                Ok(gone) => beat.departed.extend(gone),
                Err(e) => tracing::warn!(node, error = %e, "could not remove a dead node"),
            }
        }
        Ok(beat)
    }

    /// `name` is now in `room` on this node.
    pub async fn arrived(&self, room: &str, name: &str) -> Result<(), ClusterError> {
        let mut pipe = redis::pipe();
        pipe.atomic()
            .sadd(self.online_key(room), format!("{} {name}", self.node()))
            .sadd(self.entries_key(self.node()), format!("{room} {name}"));
        let mut redis = self.redis();
        self.call(async move { pipe.query_async::<()>(&mut redis).await })
            .await
    }

    /// `name` is no longer in `room` on this node.
    pub async fn departed(&self, room: &str, name: &str) -> Result<(), ClusterError> {
        let mut pipe = redis::pipe();
        pipe.atomic()
            .srem(self.online_key(room), format!("{} {name}", self.node()))
            .srem(self.entries_key(self.node()), format!("{room} {name}"));
        let mut redis = self.redis();
        self.call(async move { pipe.query_async::<()>(&mut redis).await })
            .await
    }

    /// The names in `room` on the other live nodes (unsorted, repeated
    /// when one person is on several).
    pub async fn online_elsewhere(&self, room: &str) -> Result<Vec<String>, ClusterError> {
        let mut invocation = ELSEWHERE_SCRIPT.prepare_invoke();
        invocation
            .key(self.online_key(room))
            .key(self.key(format_args!("nodes")))
            .arg(self.node());
        let mut redis = self.redis();
        self.call(async move { invocation.invoke_async(&mut redis).await })
            .await
    }

    /// How many nodes listen to the Socket.IO broadcasts (subscribers of
    /// the adapter's request channel).
    pub async fn nodes_listening(&self) -> Result<usize, ClusterError> {
        let channel = self.broadcast_channel();
        let mut redis = self.redis();
        self.call(async move { redis.subscribers(&channel).await })
            .await
    }

    /// Takes this node and its entries out of the cluster (on shutdown).
    pub async fn leave(&self) -> Result<(), ClusterError> {
        self.reap(self.node(), true).await.map(drop)
    }

    async fn reap(&self, node: &str, leaving: bool) -> Result<Vec<(String, String)>, ClusterError> {
        let mut invocation = REAP_SCRIPT.prepare_invoke();
        invocation
            .key(self.key(format_args!("nodes")))
            .arg(node)
            .arg(self.prefix())
            .arg(if leaving { "leaving" } else { "dead" });
        let mut redis = self.redis();
        let gone: Vec<String> = self
            .call(async move { invocation.invoke_async(&mut redis).await })
            .await?;
        if !leaving && !gone.is_empty() {
            tracing::info!(
                node,
                entries = gone.len(),
                "a node stopped; its people left"
            );
        }
        Ok(gone
            .iter()
            .filter_map(|entry| entry.split_once(' '))
            .map(|(room, name)| (room.to_owned(), name.to_owned()))
            .collect())
    }

    fn online_key(&self, room: &str) -> String {
        self.key(format_args!("online:{room}"))
    }

    fn entries_key(&self, node: &str) -> String {
        self.key(format_args!("node:{node}:entries"))
    }
}
