//! Bytes → [`Document`]: format sniffing, size limits, dialect, bundled file refs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// The largest spec accepted, in bytes. The biggest public specs are a few MB.
pub const MAX_SPEC_BYTES: usize = 64 * 1024 * 1024;
/// How many external files one spec may pull in through `$ref`.
pub const MAX_EXTERNAL_FILES: usize = 256;
/// Where bundled external files live inside the root document.
pub const BUNDLE_KEY: &str = "x-apiwatch-bundled";

/// Which OpenAPI dialect a document declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Dialect {
    Swagger2,
    OpenApi30,
    OpenApi31,
}

impl Dialect {
    pub fn label(self) -> &'static str {
        match self {
            Dialect::Swagger2 => "Swagger 2.0",
            Dialect::OpenApi30 => "OpenAPI 3.0",
            Dialect::OpenApi31 => "OpenAPI 3.1",
        }
    }
}

/// A parsed spec: the root value (with external files bundled in), its source and dialect.
#[derive(Debug, Clone)]
pub struct Document {
    /// Where it came from (file path or URL), for messages.
    pub source: String,
    pub root: Value,
    pub dialect: Dialect,
}

/// Why a spec could not be read. Every variant names its source.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    #[error("{source_name}: cannot read: {err}")]
    Io {
        source_name: String,
        err: std::io::Error,
    },
    #[error("{source_name}: {size} bytes is over the {limit}-byte limit for a spec")]
    TooLarge {
        source_name: String,
        size: usize,
        limit: usize,
    },
    #[error(
        "{source_name}: this is an HTML page, not an OpenAPI document (an error page or a login wall?)"
    )]
    Html { source_name: String },
    #[error("{source_name}:{line}:{column}: invalid JSON: {message}")]
    Json {
        source_name: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{source_name}: invalid YAML: {message}")]
    Yaml {
        source_name: String,
        message: String,
    },
    #[error("{source_name}: not an OpenAPI document: {reason}")]
    NotOpenApi { source_name: String, reason: String },
    #[error("{source_name}: $ref `{reference}` refused: {reason}")]
    RefRefused {
        source_name: String,
        reference: String,
        reason: String,
    },
}

/// Which syntax to parse bytes as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    Json,
    Yaml,
}

/// Guesses JSON vs YAML from the first meaningful byte; refuses HTML.
pub fn sniff(bytes: &[u8]) -> Option<Syntax> {
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let first = text.iter().find(|b| !b.is_ascii_whitespace())?;
    match first {
        b'{' | b'[' => Some(Syntax::Json),
        b'<' => None,
        _ => Some(Syntax::Yaml),
    }
}

/// Parses bytes (JSON or YAML) into a value, without checking that it is OpenAPI.
pub fn parse_value(bytes: &[u8], source_name: &str) -> Result<Value, SpecError> {
    if bytes.len() > MAX_SPEC_BYTES {
        return Err(SpecError::TooLarge {
            source_name: source_name.to_owned(),
            size: bytes.len(),
            limit: MAX_SPEC_BYTES,
        });
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match sniff(bytes) {
        None if bytes.iter().all(|b| b.is_ascii_whitespace()) => Err(SpecError::NotOpenApi {
            source_name: source_name.to_owned(),
            reason: "the document is empty".into(),
        }),
        None => Err(SpecError::Html {
            source_name: source_name.to_owned(),
        }),
        Some(Syntax::Json) => serde_json::from_slice::<super::strict::Strict>(bytes)
            .map(|s| s.0)
            .map_err(|e| SpecError::Json {
                source_name: source_name.to_owned(),
                line: e.line(),
                column: e.column(),
                message: e.to_string(),
            }),
        Some(Syntax::Yaml) => {
            let text = std::str::from_utf8(bytes).map_err(|e| SpecError::Yaml {
                source_name: source_name.to_owned(),
                message: format!("not UTF-8: {e}"),
            })?;
            // Big vendor YAML (several MB) exceeds the default node budget; alias
            // limits stay at their defaults against alias bombs, and depth is JSON's.
            // OpenAPI is YAML
            // 1.2: `y`, `no`, `on` are strings (an enum of `[yes, no]`, a property `y`),
            // not the booleans YAML 1.1 made of them.
            let options = serde_saphyr::options! {
                strict_booleans: true,
                budget: serde_saphyr::budget! {
                    max_nodes: 20_000_000,
                    max_events: 60_000_000,
                    max_depth: super::strict::MAX_DEPTH,
                },
            };
            serde_saphyr::from_str_with_options::<Value>(text, options).map_err(|e| {
                SpecError::Yaml {
                    source_name: source_name.to_owned(),
                    message: e.to_string(),
                }
            })
        }
    }
}

/// [`parse_value`] for a whole spec: text that is not YAML and names no `openapi`
/// or `swagger` key (a README or a changelog given as a spec) is said to be no
/// OpenAPI document, rather than where it stops being YAML.
fn parse_root(bytes: &[u8], source_name: &str) -> Result<Value, SpecError> {
    parse_value(bytes, source_name).map_err(|e| match e {
        SpecError::Yaml { .. }
            if !declares_openapi(&String::from_utf8_lossy(bytes)) =>
        {
            SpecError::NotOpenApi {
                source_name: source_name.to_owned(),
                reason: "it has no `openapi:` or `swagger:` key and is not valid YAML (a Markdown or text file?)".into(),
            }
        }
        e => e,
    })
}

/// Whether YAML text has a top-level `openapi` or `swagger` key, as every spec does.
fn declares_openapi(text: &str) -> bool {
    text.lines().any(|line| {
        let key = line.trim_start_matches(['"', '\'']);
        ["openapi", "swagger"].iter().any(|k| {
            key.strip_prefix(k)
                .is_some_and(|rest| rest.trim_start_matches(['"', '\'']).starts_with(':'))
        })
    })
}

/// Parses bytes into a [`Document`]. Only local `$ref`s are allowed: a spec that
/// arrived over the network must not make the tool read files or reach hosts.
pub fn parse_document(bytes: &[u8], source_name: &str) -> Result<Document, SpecError> {
    let root = parse_root(bytes, source_name)?;
    check_refs_local(&root, source_name)?;
    into_document(root, source_name)
}

/// Reads a spec file, bundling relative file `$ref`s that stay inside its folder.
pub fn load_file(path: &Path) -> Result<Document, SpecError> {
    let source_name = path.display().to_string();
    let bytes = read_capped(path, &source_name)?;
    let mut root = parse_root(&bytes, &source_name)?;
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let jail = folder.canonicalize().map_err(|err| SpecError::Io {
        source_name: source_name.clone(),
        err,
    })?;
    let mut bundler = Bundler {
        jail,
        source_name: source_name.clone(),
        files: BTreeMap::new(),
    };
    bundler.rewrite(&mut root, &folder)?;
    if !bundler.files.is_empty()
        && let Value::Object(map) = &mut root
    {
        let bundled = bundler
            .files
            .into_iter()
            .map(|(k, v)| (k, v.unwrap_or(Value::Null)))
            .collect();
        map.insert(BUNDLE_KEY.to_owned(), Value::Object(bundled));
    }
    into_document(root, &source_name)
}

fn read_capped(path: &Path, source_name: &str) -> Result<Vec<u8>, SpecError> {
    if let Ok(meta) = std::fs::metadata(path)
        && meta.is_file()
        && meta.len() > MAX_SPEC_BYTES as u64
    {
        return Err(SpecError::TooLarge {
            source_name: source_name.to_owned(),
            size: usize::try_from(meta.len()).unwrap_or(usize::MAX),
            limit: MAX_SPEC_BYTES,
        });
    }
    // Bounded while reading too: a pipe or a device (`/dev/zero`) reports no size.
    crate::files::read_bounded(path, MAX_SPEC_BYTES as u64).map_err(|err| match err.kind() {
        std::io::ErrorKind::Other if err.to_string().starts_with("over the") => {
            SpecError::TooLarge {
                source_name: source_name.to_owned(),
                size: MAX_SPEC_BYTES + 1,
                limit: MAX_SPEC_BYTES,
            }
        }
        _ => SpecError::Io {
            source_name: source_name.to_owned(),
            err,
        },
    })
}

fn into_document(root: Value, source_name: &str) -> Result<Document, SpecError> {
    let not_openapi = |reason: &str| SpecError::NotOpenApi {
        source_name: source_name.to_owned(),
        reason: reason.to_owned(),
    };
    let Value::Object(map) = &root else {
        return Err(not_openapi("the top level is not a mapping"));
    };
    let dialect = if let Some(v) = map.get("openapi") {
        let v = version_text(v);
        if v.starts_with("3.0") {
            Dialect::OpenApi30
        } else if v.starts_with("3.1") || v.starts_with("3.2") {
            Dialect::OpenApi31
        } else {
            return Err(not_openapi(&format!("unsupported `openapi: {v}`")));
        }
    } else if let Some(v) = map.get("swagger") {
        let v = version_text(v);
        if v.starts_with('2') {
            Dialect::Swagger2
        } else {
            return Err(not_openapi(&format!("unsupported `swagger: {v}`")));
        }
    } else {
        return Err(not_openapi(
            "it has neither an `openapi` nor a `swagger` field",
        ));
    };
    if !map.contains_key("paths") && !map.contains_key("webhooks") {
        return Err(not_openapi("it has no `paths`"));
    }
    Ok(Document {
        source: source_name.to_owned(),
        root,
        dialect,
    })
}

fn version_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Refuses any `$ref` that leaves the document.
fn check_refs_local(value: &Value, source_name: &str) -> Result<(), SpecError> {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref")
                && !r.starts_with('#')
            {
                return Err(SpecError::RefRefused {
                    source_name: source_name.to_owned(),
                    reference: r.clone(),
                    reason: "a spec fetched from a URL may only use local references (#/...)"
                        .into(),
                });
            }
            map.values()
                .try_for_each(|v| check_refs_local(v, source_name))
        }
        Value::Array(items) => items
            .iter()
            .try_for_each(|v| check_refs_local(v, source_name)),
        _ => Ok(()),
    }
}

/// Inlines relative file references into the root under [`BUNDLE_KEY`], rewriting
/// each `$ref` to a local pointer, so that later stages only ever see `#/...`.
struct Bundler {
    jail: PathBuf,
    source_name: String,
    /// Bundle key → file content (`None` while it is being loaded: cycles are fine).
    files: BTreeMap<String, Option<Value>>,
}

impl Bundler {
    fn rewrite(&mut self, value: &mut Value, folder: &Path) -> Result<(), SpecError> {
        self.rewrite_in(value, folder, None)
    }

    /// `own_key` is the bundle key of the file `value` belongs to (None for the root).
    fn rewrite_in(
        &mut self,
        value: &mut Value,
        folder: &Path,
        own_key: Option<&str>,
    ) -> Result<(), SpecError> {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get_mut("$ref") {
                    let new = self.resolve(r, folder, own_key)?;
                    *r = new;
                }
                for (k, v) in map.iter_mut() {
                    if k != "$ref" {
                        self.rewrite_in(v, folder, own_key)?;
                    }
                }
                Ok(())
            }
            Value::Array(items) => items
                .iter_mut()
                .try_for_each(|v| self.rewrite_in(v, folder, own_key)),
            _ => Ok(()),
        }
    }

    fn resolve(
        &mut self,
        reference: &str,
        folder: &Path,
        own_key: Option<&str>,
    ) -> Result<String, SpecError> {
        let (file, fragment) = match reference.split_once('#') {
            Some((f, frag)) => (f, frag),
            None => (reference, ""),
        };
        if file.is_empty() {
            // Local to the file it appears in.
            return Ok(match own_key {
                None => format!("#{fragment}"),
                Some(key) => format!("#/{BUNDLE_KEY}/{}{fragment}", escape_pointer(key)),
            });
        }
        let refuse = |reason: &str| SpecError::RefRefused {
            source_name: self.source_name.clone(),
            reference: reference.to_owned(),
            reason: reason.to_owned(),
        };
        if file.contains("://") || file.starts_with("//") {
            return Err(refuse("references to URLs are never followed"));
        }
        let target = folder.join(file);
        let canonical = target
            .canonicalize()
            .map_err(|e| refuse(&format!("cannot open {}: {e}", target.display())))?;
        if !canonical.starts_with(&self.jail) {
            return Err(refuse("it points outside the spec's folder"));
        }
        // A FIFO or device would block the read forever.
        if !std::fs::metadata(&canonical).is_ok_and(|m| m.is_file()) {
            return Err(refuse("not a regular file"));
        }
        let key = canonical
            .strip_prefix(&self.jail)
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .unwrap_or_default();
        if !self.files.contains_key(&key) {
            if self.files.len() >= MAX_EXTERNAL_FILES {
                return Err(refuse("too many referenced files"));
            }
            self.files.insert(key.clone(), None);
            let name = canonical.display().to_string();
            let bytes = read_capped(&canonical, &name)?;
            let mut content = parse_value(&bytes, &name)?;
            let sub_folder = canonical
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default();
            self.rewrite_in(&mut content, &sub_folder, Some(&key))?;
            self.files.insert(key.clone(), Some(content));
        }
        Ok(format!("#/{BUNDLE_KEY}/{}{fragment}", escape_pointer(&key)))
    }
}

/// Escapes one JSON pointer token (RFC 6901).
/// The node a `$ref` fragment (`/components/schemas/Pet`) names. A fragment is a URI
/// fragment, so it may be percent-encoded (`/paths/~1users~1%7Bid%7D`).
pub fn resolve_fragment<'v>(root: &'v Value, frag: &str) -> Option<&'v Value> {
    root.pointer(frag).or_else(|| {
        if !frag.contains('%') {
            return None;
        }
        let bytes = frag.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            let hex = |b: u8| char::from(b).to_digit(16);
            match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
                (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                    out.push(u8::try_from(hex(h)? * 16 + hex(l)?).ok()?);
                    i += 3;
                }
                (b, _, _) => {
                    out.push(b);
                    i += 1;
                }
            }
        }
        root.pointer(std::str::from_utf8(&out).ok()?)
    })
}

pub fn escape_pointer(token: &str) -> std::borrow::Cow<'_, str> {
    if token.contains(['~', '/']) {
        std::borrow::Cow::Owned(token.replace('~', "~0").replace('/', "~1"))
    } else {
        std::borrow::Cow::Borrowed(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_json_yaml_and_html() {
        assert_eq!(sniff(b"  {\"openapi\": 1}"), Some(Syntax::Json));
        assert_eq!(sniff(b"openapi: 3.0.0"), Some(Syntax::Yaml));
        assert_eq!(sniff(b"\n<!doctype html>"), None);
    }

    #[test]
    fn html_error_page_is_named_as_such() {
        let err = parse_document(b"<html><body>502</body></html>", "https://x.example/spec")
            .unwrap_err()
            .to_string();
        assert!(err.contains("https://x.example/spec"), "{err}");
        assert!(err.contains("HTML"), "{err}");
    }

    #[test]
    fn json_errors_carry_line_and_column() {
        let err = parse_document(b"{\n \"openapi\": \"3.0.0\",\n oops\n}", "a.json")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("a.json:3:"), "{err}");
    }

    #[test]
    fn big_yaml_specs_parse_but_alias_bombs_do_not() {
        let big = format!(
            "openapi: 3.0.3\npaths: {{}}\nx-list:\n{}",
            "- x\n".repeat(400_000)
        );
        assert!(
            parse_document(big.as_bytes(), "big.yaml").is_ok(),
            "400,000 nodes is a big spec, not an attack"
        );
        let bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n";
        assert!(matches!(
            parse_value(bomb.as_bytes(), "bomb.yaml"),
            Err(SpecError::Yaml { .. })
        ));
    }

    #[test]
    fn detects_dialects() {
        let d = parse_document(b"openapi: 3.1.0\npaths: {}\n", "x").unwrap();
        assert_eq!(d.dialect, Dialect::OpenApi31);
        let d = parse_document(b"swagger: '2.0'\npaths: {}\n", "x").unwrap();
        assert_eq!(d.dialect, Dialect::Swagger2);
        let err = parse_document(b"name: hello\n", "x")
            .unwrap_err()
            .to_string();
        assert!(err.contains("neither"), "{err}");
    }

    #[test]
    fn remote_specs_cannot_reference_files_or_hosts() {
        let spec = br##"{"openapi":"3.0.0","paths":{},"components":{"schemas":{"A":{"$ref":"/etc/passwd"}}}}"##;
        let err = parse_document(spec, "https://x.example/s.json").unwrap_err();
        assert!(matches!(err, SpecError::RefRefused { .. }));
    }
}
