//! The request log: one JSON object per request (time, method, path, operation,
//! status, latency, violations), kept in memory for tests and appended to a file as
//! JSON lines for people debugging an integration.

use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Mutex;

use serde::Serialize;

use super::schema::Violation;

/// One request as the sandbox saw it.
#[derive(Debug, Clone, Serialize)]
pub struct Record {
    pub time: String,
    pub method: String,
    pub path: String,
    /// `GET /contacts/{id} (getContact)`, or null when no operation matched.
    pub operation: Option<String>,
    pub status: u16,
    pub latency_ms: f64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub violations: Vec<Violation>,
    /// Anything else worth knowing (a fault injected, a token refused).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Where records go.
pub struct Log {
    records: Mutex<std::collections::VecDeque<Record>>,
    file: Option<Mutex<std::fs::File>>,
}

/// Records kept in memory; older ones are dropped past this many.
const KEPT: usize = 10_000;

impl Log {
    pub fn new(file: Option<&PathBuf>) -> std::io::Result<Log> {
        let file = match file {
            Some(path) => Some(Mutex::new(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)?,
            )),
            None => None,
        };
        Ok(Log {
            records: Mutex::new(std::collections::VecDeque::new()),
            file,
        })
    }

    pub fn push(&self, record: Record) {
        if let Some(f) = &self.file
            && let Ok(mut f) = f.lock()
            && let Ok(line) = serde_json::to_string(&record)
        {
            // A log that cannot be written must not fail the request it logs.
            let _ = writeln!(f, "{line}");
        }
        if let Ok(mut r) = self.records.lock() {
            if r.len() >= KEPT {
                r.pop_front();
            }
            r.push_back(record);
        }
    }

    pub fn records(&self) -> Vec<Record> {
        self.records
            .lock()
            .map(|r| r.iter().cloned().collect())
            .unwrap_or_default()
    }
}
