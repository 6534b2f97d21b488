//! Vendor behaviour beyond the spec: latency, server errors, a rate limit, and
//! `Sunset`/`Deprecation` headers. Every draw comes from the seed and the request's
//! number, so a run can be replayed.

use super::generate::Rng;

/// What goes wrong, and how the vendor says so.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// Added to every response: a fixed delay or a range (milliseconds).
    pub latency_ms: Option<(u64, u64)>,
    /// The share of requests (0.0–1.0) answered with a `500`, `502` or `503`.
    pub error_rate: f64,
    pub rate_limit: Option<RateLimit>,
    /// Operations that announce their end in headers.
    pub sunsets: Vec<SunsetRule>,
}

/// `requests` per `per_seconds`, in fixed windows of the sandbox's clock.
#[derive(Debug, Clone)]
pub struct RateLimit {
    pub requests: u64,
    pub per_seconds: u64,
    /// Header names for the limit, what is left, and when the window resets.
    pub limit_header: String,
    pub remaining_header: String,
    pub reset_header: String,
}

impl RateLimit {
    pub fn new(requests: u64, per_seconds: u64) -> RateLimit {
        RateLimit {
            requests,
            per_seconds: per_seconds.max(1),
            limit_header: "X-RateLimit-Limit".into(),
            remaining_header: "X-RateLimit-Remaining".into(),
            reset_header: "X-RateLimit-Reset".into(),
        }
    }
}

/// `Sunset` (RFC 8594) and `Deprecation` (RFC 9745) headers on one operation.
#[derive(Debug, Clone)]
pub struct SunsetRule {
    /// `METHOD /path` or an operationId.
    pub operation: String,
    /// `YYYY-MM-DD`.
    pub sunset: String,
    /// When it was deprecated (`YYYY-MM-DD`); the sandbox's start when absent.
    pub deprecated: Option<String>,
    /// A page about it, sent as `Link: <…>; rel="sunset"`.
    pub link: Option<String>,
}

/// The state of the rate-limit window.
#[derive(Debug, Default)]
pub struct Window {
    start: i64,
    used: u64,
}

/// What the rate limit says of one request: allowed or not, and its headers.
pub struct Verdict {
    pub allowed: bool,
    pub headers: Vec<(String, String)>,
}

impl Window {
    pub fn admit(&mut self, limit: &RateLimit, now: jiff::Timestamp) -> Verdict {
        let secs = now.as_second();
        let per = i64::try_from(limit.per_seconds).unwrap_or(i64::MAX);
        let window = secs - secs.rem_euclid(per);
        if window != self.start {
            self.start = window;
            self.used = 0;
        }
        let allowed = self.used < limit.requests;
        if allowed {
            self.used += 1;
        }
        let reset = (window + per - secs).max(1);
        let mut headers = vec![
            (limit.limit_header.clone(), limit.requests.to_string()),
            (
                limit.remaining_header.clone(),
                limit.requests.saturating_sub(self.used).to_string(),
            ),
            (limit.reset_header.clone(), reset.to_string()),
        ];
        if !allowed {
            headers.push(("Retry-After".into(), reset.to_string()));
        }
        Verdict { allowed, headers }
    }
}

/// A fault drawn for request number `n`: a server error's status, if one.
pub fn server_error(faults: &Faults, seed: u64, n: u64) -> Option<u16> {
    if faults.error_rate <= 0.0 {
        return None;
    }
    let mut rng = Rng::seeded(&[&seed.to_le_bytes(), b"error", &n.to_le_bytes()]);
    (rng.unit() < faults.error_rate).then(|| [500, 502, 503][rng.below(3) as usize])
}

/// The delay for request number `n`.
pub fn latency(faults: &Faults, seed: u64, n: u64) -> Option<std::time::Duration> {
    let (lo, hi) = faults.latency_ms?;
    let mut rng = Rng::seeded(&[&seed.to_le_bytes(), b"latency", &n.to_le_bytes()]);
    let ms = if hi > lo {
        lo + rng.below(hi - lo + 1)
    } else {
        lo
    };
    (ms > 0).then(|| std::time::Duration::from_millis(ms))
}

/// `2027-03-01` as an HTTP date (`Mon, 01 Mar 2027 00:00:00 GMT`) and as the
/// structured-field date RFC 9745 uses (`@1803772800`).
pub fn http_date(day: &str) -> Option<(String, String)> {
    let date: jiff::civil::Date = day.get(..10)?.parse().ok()?;
    let ts = jiff::tz::TimeZone::UTC
        .to_timestamp(date.to_datetime(jiff::civil::Time::midnight()))
        .ok()?;
    Some((
        ts.strftime("%a, %d %b %Y %H:%M:%S GMT").to_string(),
        format!("@{}", ts.as_second()),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_admits_its_share_then_says_when_to_retry() {
        let limit = RateLimit::new(2, 10);
        let mut w = Window::default();
        let t = |s: i64| jiff::Timestamp::from_second(s).unwrap();
        assert!(w.admit(&limit, t(100)).allowed);
        assert!(w.admit(&limit, t(101)).allowed);
        let third = w.admit(&limit, t(104));
        assert!(!third.allowed);
        assert!(third.headers.contains(&("Retry-After".into(), "6".into())));
        assert!(
            third
                .headers
                .contains(&("X-RateLimit-Remaining".into(), "0".into()))
        );
        assert!(w.admit(&limit, t(110)).allowed, "a new window");
    }

    #[test]
    fn dates_in_both_header_forms() {
        assert_eq!(
            http_date("2027-03-01"),
            Some(("Mon, 01 Mar 2027 00:00:00 GMT".into(), "@1803859200".into()))
        );
    }
}
