//! The request budget of one contract's tests: requests per run (retries and
//! token requests included) and per second, paced on the run's clock.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::sandbox::Clock;

/// The slowest and fastest pace a contract may set (`budget.per_second`).
pub const MIN_RATE: f64 = 0.01;
pub const MAX_RATE: f64 = 10_000.0;

pub struct Budget {
    limit: Option<u64>,
    /// The shortest gap between two requests.
    gap: Option<Duration>,
    clock: Arc<dyn Clock>,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    used: u64,
    next: Option<jiff::Timestamp>,
}

impl Budget {
    pub fn new(limit: Option<u64>, per_second: Option<f64>, clock: Arc<dyn Clock>) -> Budget {
        Budget {
            limit,
            // The contract allows 0.01 to 10,000 a second; anything else paces nothing.
            gap: per_second
                .filter(|r| (MIN_RATE..=MAX_RATE).contains(r))
                .and_then(|r| Duration::try_from_secs_f64(1.0 / r).ok()),
            clock,
            state: Mutex::new(State::default()),
        }
    }

    pub fn limit(&self) -> Option<u64> {
        self.limit
    }

    pub fn used(&self) -> u64 {
        self.state.lock().map(|s| s.used).unwrap_or(0)
    }

    /// Whether `n` more requests fit in the run's budget.
    pub fn allows(&self, n: u64) -> bool {
        self.limit.is_none_or(|l| self.used() + n <= l)
    }

    /// Counts one request, after waiting for its turn at the per-second rate;
    /// `false` (nothing counted) when the run's budget is spent, unless `always`
    /// (a cleanup: what a case made is removed whatever the budget says).
    pub async fn take(&self, always: bool) -> bool {
        let wait = {
            let Ok(mut s) = self.state.lock() else {
                return false;
            };
            if !always && self.limit.is_some_and(|l| s.used >= l) {
                return false;
            }
            s.used += 1;
            let now = self.clock.now();
            match self.gap {
                None => None,
                Some(gap) => {
                    let at = s.next.filter(|n| *n > now).unwrap_or(now);
                    let step = jiff::SignedDuration::try_from(gap).unwrap_or_default();
                    s.next = at.checked_add(step).ok();
                    let until = at.duration_since(now);
                    Duration::try_from(until).ok().filter(|d| !d.is_zero())
                }
            }
        };
        if let Some(d) = wait {
            self.clock.sleep(d).await;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::ManualClock;

    #[tokio::test]
    async fn paces_requests_and_counts_them() {
        let clock = ManualClock::new(jiff::Timestamp::UNIX_EPOCH);
        let budget = Budget::new(Some(3), Some(2.0), Arc::new(clock.clone()));
        for _ in 0..3 {
            assert!(budget.take(false).await);
        }
        assert!(!budget.take(false).await, "the fourth is over the budget");
        assert!(budget.take(true).await, "a cleanup still goes");
        assert_eq!(budget.used(), 4);
        // Two per second: the third request waited until the first second was over,
        // the cleanup another half.
        assert_eq!(clock.now().as_millisecond(), 1500);
        assert!(!budget.allows(1));
        assert!(Budget::new(None, None, Arc::new(clock)).allows(1_000_000));
    }
}
