//! Rate limits and the "ban this peer" rule as plain state machines.
//!
//! Nothing here reads a clock or touches a socket: every call takes `now`, so the unit tests step
//! time by hand. The network task keeps the state and applies the decisions:
//!
//! - per peer, inbound `/coalition/sync/1` requests: over the limit a request is refused with a
//!   retry time, without touching the store (so is one the node is too busy for, see
//!   [`KeyedLimiter::defer`]); a peer that keeps asking before the retry time it was given
//!   collects strikes, and enough strikes within a window ban it;
//! - per author (city key), new entries arriving by gossip: over the limit they are ignored (not
//!   stored now, not forwarded, not punished) and sync fetches them later.
//!
//! Keyed state is bounded: when a map is full, idle keys (full bucket, no pending strikes) go
//! first, then the least recently seen quarter. A key that keeps hammering is always recently
//! seen, so churning through fresh keys cannot reset it.

use std::collections::HashMap;
use std::hash::Hash;
use std::time::{Duration, Instant};

/// A sustained rate with a burst: a token bucket refilled at `per_second` tokens a second that
/// holds at most `burst` tokens. Both must be at least 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// Tokens added each second: the sustained rate.
    pub per_second: u32,
    /// Most tokens the bucket holds: how many may come at once after a quiet spell.
    pub burst: u32,
}

impl Rate {
    /// `per_second` sustained, up to `burst` at once. Not checked here: `spawn` refuses a zero.
    pub const fn new(per_second: u32, burst: u32) -> Self {
        Rate { per_second, burst }
    }

    pub(crate) fn is_valid(&self) -> bool {
        self.per_second >= 1 && self.burst >= 1
    }

    fn per_second_f64(&self) -> f64 {
        f64::from(self.per_second.max(1))
    }
}

/// One token bucket. A fresh bucket is full.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TokenBucket {
    tokens: f64,
    updated: Instant,
}

impl TokenBucket {
    /// A bucket holding `rate.burst` tokens at `now`.
    pub fn full(rate: Rate, now: Instant) -> Self {
        TokenBucket {
            tokens: f64::from(rate.burst),
            updated: now,
        }
    }

    /// Tokens available at `now` (a clock that went backwards adds nothing).
    pub fn available(&self, rate: Rate, now: Instant) -> f64 {
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        (self.tokens + elapsed * rate.per_second_f64()).min(f64::from(rate.burst))
    }

    /// The bucket holds `rate.burst` tokens at `now`: whatever was taken has been refilled.
    pub fn is_full(&self, rate: Rate, now: Instant) -> bool {
        self.available(rate, now) >= f64::from(rate.burst)
    }

    /// Takes `cost` tokens, or says how long until they would be there. A cost above the burst
    /// can never be paid; its wait is the time to fill the whole bucket.
    pub fn take(&mut self, rate: Rate, now: Instant, cost: u32) -> Result<(), Duration> {
        self.tokens = self.available(rate, now);
        if now > self.updated {
            self.updated = now;
        }
        let cost = f64::from(cost.min(rate.burst));
        if self.tokens >= cost {
            self.tokens -= cost;
            return Ok(());
        }
        let wait = (cost - self.tokens) / rate.per_second_f64();
        Err(Duration::try_from_secs_f64(wait).unwrap_or(Duration::MAX))
    }
}

/// When a peer that keeps misbehaving is banned: `max_strikes` strikes within `window` (counted
/// from the first strike of the window).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StrikePolicy {
    /// Strikes within one window that ban the key (0 and 1 both ban at the first).
    pub max_strikes: u32,
    /// How long a window lasts from its first strike.
    pub window: Duration,
}

/// Strikes of one peer in the current window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Strikes {
    since: Option<Instant>,
    count: u32,
}

impl Strikes {
    /// Records a strike at `now`; true when the peer has reached the ban.
    pub fn strike(&mut self, policy: StrikePolicy, now: Instant) -> bool {
        match self.since {
            Some(since) if now.saturating_duration_since(since) <= policy.window => {
                self.count = self.count.saturating_add(1);
            }
            _ => {
                self.since = Some(now);
                self.count = 1;
            }
        }
        self.count >= policy.max_strikes
    }

    /// Strikes in the current window (0 before the first).
    pub fn count(&self) -> u32 {
        self.count
    }

    /// No strike counts any more at `now`.
    fn is_clear(&self, policy: Option<StrikePolicy>, now: Instant) -> bool {
        match (self.since, policy) {
            (None, _) | (_, None) => true,
            (Some(since), Some(policy)) => now.saturating_duration_since(since) > policy.window,
        }
    }
}

/// What to do with one request or message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Within the limit: a token was taken.
    Allow,
    /// Over the limit: refuse it; a token is there after `retry_after`.
    Deny {
        /// How long to wait before asking again; asking earlier is a strike.
        retry_after: Duration,
    },
    /// Over the limit, and the key ignored the retry time it was given once too often: refuse
    /// it and ban the key. Its state is forgotten (a fresh start when the ban ends).
    Ban {
        /// Strikes in the window that earned the ban.
        strikes: u32,
    },
}

#[derive(Debug, Clone, Copy)]
struct Slot {
    bucket: TokenBucket,
    last_seen: Instant,
    /// Refused until then: asking again before it is a strike.
    wait_until: Option<Instant>,
    strikes: Strikes,
}

/// A token bucket per key (peer id, author key), with an optional strike rule, in a map of at
/// most `capacity` keys.
#[derive(Debug)]
pub struct KeyedLimiter<K> {
    rate: Rate,
    strikes: Option<StrikePolicy>,
    capacity: usize,
    slots: HashMap<K, Slot>,
}

impl<K: Hash + Eq + Clone> KeyedLimiter<K> {
    /// Refuses over `rate`; never bans.
    pub fn new(rate: Rate, capacity: usize) -> Self {
        KeyedLimiter {
            rate,
            strikes: None,
            capacity: capacity.max(1),
            slots: HashMap::new(),
        }
    }

    /// Refuses over `rate`; bans a key that asks again before its retry time `policy.max_strikes`
    /// times within `policy.window`. A key that waits as told is never banned, however often it
    /// is refused.
    pub fn with_strikes(rate: Rate, capacity: usize, policy: StrikePolicy) -> Self {
        KeyedLimiter {
            strikes: Some(policy),
            ..KeyedLimiter::new(rate, capacity)
        }
    }

    /// `key`'s slot, made (with a full bucket) if it has none, seen at `now`.
    fn slot(&mut self, key: &K, now: Instant) -> &mut Slot {
        if !self.slots.contains_key(key) && self.slots.len() >= self.capacity {
            self.make_room(now);
        }
        let rate = self.rate;
        let slot = self.slots.entry(key.clone()).or_insert(Slot {
            bucket: TokenBucket::full(rate, now),
            last_seen: now,
            wait_until: None,
            strikes: Strikes::default(),
        });
        slot.last_seen = slot.last_seen.max(now);
        slot
    }

    /// Charges one unit to `key` at `now`.
    pub fn check(&mut self, key: &K, now: Instant) -> Decision {
        let (rate, policy) = (self.rate, self.strikes);
        let slot = self.slot(key, now);
        if let Some(until) = slot.wait_until.filter(|until| now < *until) {
            // Asked again before the retry time it was given: refused, and a strike.
            if let Some(policy) = policy {
                if slot.strikes.strike(policy, now) {
                    let strikes = slot.strikes.count();
                    self.slots.remove(key);
                    return Decision::Ban { strikes };
                }
            }
            return Decision::Deny {
                retry_after: until.saturating_duration_since(now),
            };
        }
        match slot.bucket.take(rate, now, 1) {
            Ok(()) => Decision::Allow,
            Err(retry_after) => {
                slot.wait_until = Some(now.checked_add(retry_after).unwrap_or(now));
                Decision::Deny { retry_after }
            }
        }
    }

    /// Tells `key` to wait `wait` from `now` although it was within its rate (the node is busy):
    /// asking again before then counts like asking before any other retry time.
    pub fn defer(&mut self, key: &K, now: Instant, wait: Duration) {
        let slot = self.slot(key, now);
        let until = now.checked_add(wait).unwrap_or(now);
        slot.wait_until = Some(slot.wait_until.map_or(until, |old| old.max(until)));
    }

    /// Drops `key`'s state (after a ban, or when the peer is gone for good).
    pub fn forget(&mut self, key: &K) {
        self.slots.remove(key);
    }

    /// Keys with state now (at most the capacity).
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// No key has state.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Frees at least one place: idle keys first (a full bucket and no strike that still
    /// counts: forgetting them changes nothing), then the least recently seen quarter.
    fn make_room(&mut self, now: Instant) {
        let (rate, policy) = (self.rate, self.strikes);
        self.slots.retain(|_, slot| {
            let waiting = slot.wait_until.is_some_and(|until| now < until);
            waiting || !(slot.bucket.is_full(rate, now) && slot.strikes.is_clear(policy, now))
        });
        if self.slots.len() < self.capacity {
            return;
        }
        let mut seen: Vec<Instant> = self.slots.values().map(|s| s.last_seen).collect();
        let nth = (seen.len() / 4).min(seen.len().saturating_sub(1));
        let (_, cutoff, _) = seen.select_nth_unstable(nth);
        let cutoff = *cutoff;
        self.slots.retain(|_, slot| slot.last_seen > cutoff);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SYNC: Rate = Rate::new(20, 40);
    const AUTHOR: Rate = Rate::new(50, 500);
    const POLICY: StrikePolicy = StrikePolicy {
        max_strikes: 10,
        window: Duration::from_secs(10),
    };

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn bucket_allows_the_burst_then_refuses_with_the_time_to_the_next_token() {
        let t0 = Instant::now();
        let mut bucket = TokenBucket::full(SYNC, t0);
        for _ in 0..40 {
            assert_eq!(bucket.take(SYNC, t0, 1), Ok(()));
        }
        assert_eq!(
            bucket.take(SYNC, t0, 1),
            Err(ms(50)),
            "one token every 50 ms"
        );
        // 30 ms later, 0.6 of a token: 20 ms to go.
        let wait = bucket.take(SYNC, t0 + ms(30), 1).expect_err("still empty");
        assert!(wait > ms(19) && wait <= ms(20), "{wait:?}");
        assert_eq!(bucket.take(SYNC, t0 + ms(50), 1), Ok(()));
    }

    #[test]
    fn bucket_refills_at_the_rate_up_to_the_burst_only() {
        let t0 = Instant::now();
        let mut bucket = TokenBucket::full(AUTHOR, t0);
        for _ in 0..500 {
            assert!(bucket.take(AUTHOR, t0, 1).is_ok());
        }
        assert!(bucket.take(AUTHOR, t0, 1).is_err());
        // One second: 50 more, not 51.
        let t1 = t0 + Duration::from_secs(1);
        for _ in 0..50 {
            assert!(bucket.take(AUTHOR, t1, 1).is_ok());
        }
        assert!(bucket.take(AUTHOR, t1, 1).is_err());
        // An hour idle: full again, never more than the burst.
        let t2 = t1 + Duration::from_secs(3600);
        assert!(bucket.is_full(AUTHOR, t2));
        assert_eq!(bucket.available(AUTHOR, t2), 500.0);
    }

    #[test]
    fn a_clock_that_goes_backwards_grants_nothing_and_does_not_panic() {
        let t0 = Instant::now() + Duration::from_secs(10);
        let mut bucket = TokenBucket::full(Rate::new(1, 1), t0);
        assert!(bucket.take(Rate::new(1, 1), t0, 1).is_ok());
        let earlier = t0 - Duration::from_secs(5);
        assert_eq!(
            bucket.take(Rate::new(1, 1), earlier, 1),
            Err(Duration::from_secs(1))
        );
        assert!(bucket.take(Rate::new(1, 1), t0 + ms(1000), 1).is_ok());
    }

    #[test]
    fn a_cost_above_the_burst_waits_for_a_full_bucket() {
        let t0 = Instant::now();
        let rate = Rate::new(10, 5);
        let mut bucket = TokenBucket::full(rate, t0);
        assert!(bucket.take(rate, t0, 3).is_ok());
        assert_eq!(bucket.take(rate, t0, 50), Err(ms(300)));
    }

    /// A requester faster than the limit that waits the retry time it is given is refused
    /// often, served at the limit's pace, and never banned.
    #[test]
    fn a_requester_that_waits_as_told_is_paced_not_banned() {
        let t0 = Instant::now();
        let mut limiter = KeyedLimiter::with_strikes(SYNC, 16, POLICY);
        let mut now = t0;
        let (mut served, mut refused) = (0u32, 0u32);
        while now < t0 + Duration::from_secs(30) {
            match limiter.check(&"fast", now) {
                Decision::Allow => {
                    served += 1;
                    now += ms(5); // it could ask 200 times a second
                }
                Decision::Deny { retry_after } => {
                    refused += 1;
                    now += retry_after;
                }
                Decision::Ban { .. } => panic!("banned a requester that waited as told"),
            }
        }
        // 40 at once, then 20 a second.
        assert!((620..=650).contains(&served), "{served}");
        assert!(refused > 100, "{refused}");
    }

    #[test]
    fn a_peer_that_ignores_the_retry_time_is_banned_after_the_strikes() {
        let t0 = Instant::now();
        let mut limiter = KeyedLimiter::with_strikes(SYNC, 16, POLICY);
        let mut now = t0;
        let mut decisions = Vec::new();
        // 1,000 requests a second.
        for _ in 0..1000 {
            let decision = limiter.check(&"hammer", now);
            decisions.push(decision);
            if matches!(decision, Decision::Ban { .. }) {
                break;
            }
            now += ms(1);
        }
        let served = decisions.iter().filter(|d| **d == Decision::Allow).count();
        let refused = decisions
            .iter()
            .filter(|d| matches!(d, Decision::Deny { .. }))
            .count();
        // The burst, and at most the one token that refills meanwhile.
        assert!((40..=41).contains(&served), "{served}");
        // A refusal sets the retry time; the early requests after it are the strikes.
        assert!((10..=12).contains(&refused), "{refused}");
        assert_eq!(decisions.last(), Some(&Decision::Ban { strikes: 10 }));
        assert!(
            decisions.len() < 60,
            "banned within 60 ms at 1,000 requests a second"
        );
        assert!(limiter.is_empty(), "a banned peer's state is forgotten");
        // Another peer is untouched.
        assert_eq!(limiter.check(&"other", now), Decision::Allow);
    }

    #[test]
    fn a_deferred_key_that_asks_early_collects_strikes_even_with_tokens_left() {
        let t0 = Instant::now();
        let mut limiter = KeyedLimiter::with_strikes(SYNC, 16, POLICY);
        assert_eq!(limiter.check(&"p", t0), Decision::Allow);
        limiter.defer(&"p", t0, ms(200));
        assert_eq!(
            limiter.check(&"p", t0 + ms(50)),
            Decision::Deny {
                retry_after: ms(150)
            }
        );
        for i in 0..8 {
            assert!(matches!(
                limiter.check(&"p", t0 + ms(51 + i)),
                Decision::Deny { .. }
            ));
        }
        assert_eq!(
            limiter.check(&"p", t0 + ms(60)),
            Decision::Ban { strikes: 10 }
        );
        // One that waits as told is served again.
        limiter.defer(&"q", t0, ms(200));
        assert_eq!(limiter.check(&"q", t0 + ms(200)), Decision::Allow);
    }

    #[test]
    fn strikes_expire_with_their_window() {
        let t0 = Instant::now();
        let mut strikes = Strikes::default();
        for i in 0..9 {
            assert!(!strikes.strike(POLICY, t0 + ms(i)));
        }
        // Past the window: the count starts again.
        let later = t0 + Duration::from_secs(11);
        assert!(!strikes.strike(POLICY, later));
        assert_eq!(strikes.count(), 1);
        for i in 1..9 {
            assert!(!strikes.strike(POLICY, later + ms(i)));
        }
        assert!(strikes.strike(POLICY, later + ms(9)));
    }

    #[test]
    fn a_limiter_without_strikes_never_bans() {
        let t0 = Instant::now();
        let mut limiter = KeyedLimiter::new(AUTHOR, 16);
        let mut allowed = 0;
        for i in 0..100_000u64 {
            match limiter.check(&[7u8; 32], t0 + Duration::from_micros(i)) {
                Decision::Allow => allowed += 1,
                Decision::Deny { .. } => {}
                Decision::Ban { .. } => panic!("author limits never ban"),
            }
        }
        // 500 at once, then 50 a second over 0.1 s: 4 or 5 more.
        assert!((504..=505).contains(&allowed), "{allowed}");
    }

    #[test]
    fn the_map_stays_bounded_and_a_hammering_key_keeps_its_strikes() {
        let t0 = Instant::now();
        let policy = StrikePolicy {
            max_strikes: 2000,
            window: Duration::from_secs(3600),
        };
        let mut limiter = KeyedLimiter::with_strikes(Rate::new(1, 2), 64, policy);
        let mut now = t0;
        let mut banned_at = None;
        for sybil in 1..10_000u64 {
            now += Duration::from_micros(10);
            match limiter.check(&0u64, now) {
                Decision::Ban { strikes } => {
                    banned_at = Some((sybil, strikes));
                    break;
                }
                decision => assert!(sybil > 2 || decision == Decision::Allow),
            }
            // Each sybil asks twice, so its bucket is not idle and must be evicted by age.
            limiter.check(&sybil, now);
            limiter.check(&sybil, now);
            assert!(limiter.len() <= 64, "{}", limiter.len());
        }
        // Two served, one refusal sets the retry time, then 2,000 early ones: the strikes
        // survived ~2,000 sybils churning through a map of 64.
        assert_eq!(banned_at, Some((2003, 2000)));
    }

    #[test]
    fn idle_keys_are_evicted_first() {
        let t0 = Instant::now();
        let mut limiter = KeyedLimiter::new(Rate::new(1, 1), 4);
        for key in 0..4u8 {
            assert_eq!(limiter.check(&key, t0), Decision::Allow);
        }
        // Key 0 asks again later: it is the most recent, and empty. Keys 1-3 refill by t0 + 2 s.
        let t1 = t0 + ms(1500);
        assert_eq!(limiter.check(&0, t1), Decision::Allow);
        let t2 = t0 + ms(2000);
        assert_eq!(limiter.check(&9, t2), Decision::Allow);
        assert_eq!(
            limiter.len(),
            2,
            "the three idle keys went, the busy one stayed"
        );
        assert!(matches!(limiter.check(&0, t2), Decision::Deny { .. }));
    }
}
