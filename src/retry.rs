//! RETRY: the one retry policy for every HTTP call apiwatch makes — vendor specs
//! and changelogs, and GitHub. Bounded attempts, exponential backoff with jitter
//! between them (backon), and a server's own request to wait (`Retry-After`, a
//! rate-limit reset) honoured up to a cap: past it, waiting would stall the whole
//! night, so the call fails instead and says why.

use std::future::Future;
use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder, Retryable};

/// How often and how patiently to try.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts, the first included.
    pub max_attempts: usize,
    /// The backoff's first and longest waits.
    pub min_delay: Duration,
    pub max_delay: Duration,
    /// The longest wait a server may ask for; a longer one ends the retries.
    pub max_wait: Duration,
}

/// What a failed attempt says about trying again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Again {
    /// Not worth it (a 404, a bad request, a body too large).
    No,
    /// After the backoff's next wait (a refused connection, a 502).
    AfterBackoff,
    /// After the wait the server asked for (429 with `Retry-After`).
    After(Duration),
}

/// A failed attempt that knows whether it is worth repeating.
pub trait Verdict {
    fn again(&self) -> Again;
}

impl RetryPolicy {
    fn backoff(&self) -> ExponentialBuilder {
        ExponentialBuilder::default()
            .with_min_delay(self.min_delay)
            .with_max_delay(self.max_delay)
            .with_max_times(self.max_attempts.saturating_sub(1))
            .with_jitter()
    }

    /// Runs `attempt` until it succeeds, its failure says not to retry, or the
    /// attempts (or the patience for a server's wait) are used up; the last
    /// failure is returned.
    pub async fn run<T, E, Fut>(&self, attempt: impl FnMut() -> Fut) -> Result<T, E>
    where
        E: Verdict,
        Fut: Future<Output = Result<T, E>>,
    {
        let policy = *self;
        attempt
            .retry(self.backoff())
            .when(|e: &E| e.again() != Again::No)
            .adjust(move |e: &E, planned: Option<Duration>| policy.wait(planned, e.again()))
            .await
    }

    /// How long to wait before the next attempt after a failure that says `again`,
    /// when the backoff planned `planned` (`None`: no attempts left); `None` to stop.
    pub fn wait(&self, planned: Option<Duration>, again: Again) -> Option<Duration> {
        match (planned, again) {
            // No attempts left, or not worth it: stop, whatever the server asked.
            (None, _) | (_, Again::No) => None,
            (Some(_), Again::After(wait)) if wait > self.max_wait => None,
            (Some(_), Again::After(wait)) => Some(wait),
            (Some(backoff), Again::AfterBackoff) => Some(backoff),
        }
    }

    /// The waits between attempts, for a caller that must look at something
    /// between them itself (did the create that timed out happen after all?).
    pub fn delays(&self) -> impl Iterator<Item = Duration> + use<> {
        self.backoff().build()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    struct Failure(Again);

    impl Verdict for Failure {
        fn again(&self) -> Again {
            self.0
        }
    }

    fn policy(max_attempts: usize) -> RetryPolicy {
        RetryPolicy {
            max_attempts,
            min_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(8),
            max_wait: Duration::from_secs(60),
        }
    }

    /// Tries `policy` against failures that say `again`; (attempts, time waited).
    async fn attempts(policy: RetryPolicy, again: Again) -> (usize, Duration) {
        let count = AtomicUsize::new(0);
        let start = tokio::time::Instant::now();
        let result: Result<(), Failure> = policy
            .run(|| async {
                count.fetch_add(1, Ordering::SeqCst);
                Err(Failure(again))
            })
            .await;
        assert!(result.is_err());
        (count.load(Ordering::SeqCst), start.elapsed())
    }

    #[tokio::test(start_paused = true)]
    async fn retries_are_bounded_and_honour_the_servers_wait_up_to_the_cap() {
        assert_eq!(attempts(policy(4), Again::No).await.0, 1);
        let (n, waited) = attempts(policy(4), Again::AfterBackoff).await;
        assert_eq!(n, 4);
        // 1 + 2 + 4 s, each with up to as much again of jitter.
        assert!(
            waited >= Duration::from_secs(7) && waited <= Duration::from_secs(14),
            "{waited:?}"
        );
        let (n, waited) = attempts(policy(3), Again::After(Duration::from_secs(30))).await;
        assert_eq!((n, waited), (3, Duration::from_secs(60)));
        // A wait past the cap ends the retries at once.
        let (n, waited) = attempts(policy(3), Again::After(Duration::from_secs(61))).await;
        assert_eq!((n, waited), (1, Duration::ZERO));
        assert_eq!(attempts(policy(1), Again::AfterBackoff).await.0, 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_success_after_failures_is_returned() {
        let count = AtomicUsize::new(0);
        let result: Result<usize, Failure> = policy(4)
            .run(|| async {
                match count.fetch_add(1, Ordering::SeqCst) {
                    0 | 1 => Err(Failure(Again::AfterBackoff)),
                    n => Ok(n),
                }
            })
            .await;
        assert!(matches!(result, Ok(2)));
    }
}
