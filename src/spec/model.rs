//! The operations of a document, dialect-neutral.
//!
//! Path-level parameters are merged into each operation (operation-level ones win,
//! as the spec says), so moving a parameter between the levels is not a change.
//! Swagger 2.0 is read into the same shape: `in: body` and `formData` parameters
//! become a request body (media types from `consumes`), `schema` on a response
//! becomes content (media types from `produces`), and inline parameter types become
//! parameter schemas. OpenAPI 3.1 `webhooks` become operations on `webhook:<name>`.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use super::load::{Dialect, Document, escape_pointer, resolve_fragment};
use super::path;
use super::schema::SchemaNode;

pub const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Extensions read as "this is deprecated", besides `deprecated: true`.
pub const DEPRECATION_EXTENSIONS: [&str; 2] = ["x-deprecated", "x-deprecation"];
/// Extensions read as a sunset date.
pub const SUNSET_EXTENSIONS: [&str; 3] = ["x-sunset", "x-sunset-date", "x-removal-date"];

/// All operations of one document, sorted by matching key then method.
#[derive(Debug)]
pub struct ApiModel<'a> {
    pub dialect: Dialect,
    pub base_path: String,
    pub operations: Vec<Operation<'a>>,
    /// Security scheme name → what a client must do to satisfy it
    /// (`apiKey in header X-Api-Key`, `http bearer`, `oauth2 token https://...`).
    pub security_schemes: BTreeMap<String, String>,
}

/// One security requirement: scheme name → scopes (all must hold).
pub type SecurityRequirement = BTreeMap<String, BTreeSet<String>>;

#[derive(Debug)]
pub struct Operation<'a> {
    /// Upper-case HTTP method, or `WEBHOOK` / `CALLBACK`.
    pub method: String,
    /// The path as written in the spec (or `webhook:<name>`).
    pub path: String,
    /// Exact matching key (see [`path::match_key`]).
    pub key: String,
    /// Loose matching key, with version segments masked.
    pub loose_key: String,
    pub operation_id: Option<String>,
    pub pointer: String,
    pub deprecated: bool,
    pub sunset: Option<String>,
    pub stability: Option<String>,
    pub tags: BTreeSet<String>,
    pub parameters: Vec<Parameter<'a>>,
    pub request_body: Option<RequestBody<'a>>,
    pub responses: BTreeMap<String, Response<'a>>,
    /// Effective security: `None` when the API declares none anywhere.
    pub security: Option<Vec<SecurityRequirement>>,
    pub callbacks: Vec<Operation<'a>>,
    /// For a callback: which one (`callback \`onEvent\` (POST {$request.body#/url})`);
    /// its method and path are then those of the operation that registers it.
    pub via: Option<String>,
}

#[derive(Debug)]
pub struct Parameter<'a> {
    /// `path`, `query`, `header` or `cookie`.
    pub location: String,
    /// The name; header names are lower-cased (HTTP headers are case-insensitive).
    pub name: String,
    /// The key parameters are matched by: `query:limit`, or `path#1` for the second
    /// path parameter (path parameters are positional: renaming one is not a change).
    pub key: String,
    pub required: bool,
    pub deprecated: bool,
    pub sunset: Option<String>,
    pub schema: Option<SchemaNode<'a>>,
    pub pointer: String,
    pub style: Option<String>,
    pub explode: Option<bool>,
}

#[derive(Debug)]
pub struct RequestBody<'a> {
    pub required: bool,
    pub pointer: String,
    pub content: BTreeMap<String, MediaType<'a>>,
}

#[derive(Debug)]
pub struct MediaType<'a> {
    pub pointer: String,
    pub schema: Option<SchemaNode<'a>>,
}

#[derive(Debug)]
pub struct Response<'a> {
    pub status: String,
    pub pointer: String,
    pub content: BTreeMap<String, MediaType<'a>>,
    pub headers: BTreeMap<String, Header<'a>>,
}

#[derive(Debug)]
pub struct Header<'a> {
    pub required: bool,
    pub deprecated: bool,
    pub pointer: String,
    pub schema: Option<SchemaNode<'a>>,
}

impl<'a> ApiModel<'a> {
    pub fn build(doc: &'a Document) -> ApiModel<'a> {
        Builder::new(doc, &[]).build()
    }

    /// Builds with extra vendor extensions read as "deprecated" (e.g. a vendor's
    /// `x-acme-deprecated`), besides `deprecated: true` and [`DEPRECATION_EXTENSIONS`].
    pub fn build_with(doc: &'a Document, deprecation_extensions: &'a [String]) -> ApiModel<'a> {
        Builder::new(doc, deprecation_extensions).build()
    }

    /// Finds an operation by `operationId` or by `METHOD /path` (normalised).
    pub fn find(&self, reference: &str) -> Option<&Operation<'a>> {
        match split_method_path(reference) {
            Some((method, p)) => {
                let key = path::match_key("", p);
                let full_key = path::match_key(&self.base_path, p);
                self.operations.iter().find(|o| {
                    o.method == method
                        && (o.key == full_key
                            || o.key == key
                            || o.path_key_without_base(&self.base_path) == key)
                })
            }
            None => self
                .operations
                .iter()
                .find(|o| o.operation_id.as_deref() == Some(reference)),
        }
    }
}

impl Operation<'_> {
    /// Webhooks and callbacks are sent *by* the vendor: their request body is data
    /// the integration receives, so request/response judgements flip.
    pub fn is_reversed(&self) -> bool {
        self.via.is_some()
            || self.method.starts_with("WEBHOOK:")
            || self.method.starts_with("CALLBACK:")
    }

    /// The key of the operation's path alone, ignoring the server base path.
    pub fn path_key_without_base(&self, _base: &str) -> String {
        path::match_key("", &self.path)
    }

    /// `GET /contacts/{id}`.
    pub fn label(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// Splits `GET /x` into (`GET`, `/x`); None for an operationId.
pub fn split_method_path(reference: &str) -> Option<(String, &str)> {
    let (m, p) = reference.trim().split_once(char::is_whitespace)?;
    let p = p.trim();
    if !p.starts_with('/') {
        return None;
    }
    let m = m.to_ascii_uppercase();
    METHODS
        .iter()
        .any(|x| x.eq_ignore_ascii_case(&m))
        .then_some((m, p))
}

/// An operation's parameters as declared, with the Swagger 2.0 ones that are
/// really a request body (`in: body`, `in: formData`) set apart.
struct DeclaredParameters<'a> {
    parameters: Vec<Parameter<'a>>,
    body: Vec<(&'a Value, String)>,
    form: Vec<(&'a Value, String)>,
}

/// Path parameters match by position in the path, not by name.
fn key_path_parameters(p: &str, parameters: &mut [Parameter<'_>]) {
    let order: Vec<String> = p
        .split('/')
        .flat_map(|seg| {
            seg.split('{')
                .skip(1)
                .filter_map(|s| s.split_once('}'))
                .map(|(n, _)| n.to_owned())
        })
        .collect();
    for param in parameters {
        if param.location == "path" {
            let pos = order
                .iter()
                .position(|n| *n == param.name)
                .unwrap_or(usize::MAX);
            param.key = format!("path#{pos}");
        }
    }
}

struct Builder<'a> {
    doc: &'a Document,
    extra_deprecation: &'a [String],
    root: &'a Value,
    base_path: String,
    global_security: Option<Vec<SecurityRequirement>>,
    consumes: Vec<String>,
    produces: Vec<String>,
}

impl<'a> Builder<'a> {
    fn new(doc: &'a Document, extra_deprecation: &'a [String]) -> Self {
        let root = &doc.root;
        let base_path = match doc.dialect {
            Dialect::Swagger2 => root
                .get("basePath")
                .and_then(Value::as_str)
                .map(path::server_base_path)
                .unwrap_or_default(),
            _ => production_server(root.get("servers"))
                .map(|url| path::server_base_path(&url))
                .unwrap_or_default(),
        };
        let strings = |v: Option<&Value>| -> Vec<String> {
            v.and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default()
        };
        Builder {
            doc,
            extra_deprecation,
            root,
            base_path,
            global_security: root.get("security").map(read_security),
            consumes: strings(root.get("consumes")),
            produces: strings(root.get("produces")),
        }
    }

    fn build(self) -> ApiModel<'a> {
        let mut operations = Vec::new();
        if let Some(Value::Object(paths)) = self.root.get("paths") {
            for (p, item) in paths {
                let ptr = format!("/paths/{}", escape_pointer(p));
                operations.extend(self.path_item(p, item, &ptr, None));
            }
        }
        if let Some(Value::Object(hooks)) = self.root.get("webhooks") {
            for (name, item) in hooks {
                let ptr = format!("/webhooks/{}", escape_pointer(name));
                operations.extend(self.path_item(
                    &format!("webhook:{name}"),
                    item,
                    &ptr,
                    Some("WEBHOOK"),
                ));
            }
        }
        // Callbacks are matched like operations, under their parent's key.
        let mut callbacks = Vec::new();
        for op in &mut operations {
            for mut cb in op.callbacks.drain(..) {
                // A callback's findings belong to the operation that registers it.
                let method = cb.method.trim_start_matches("CALLBACK:").to_owned();
                let name = cb.path.trim_start_matches("callback:");
                let url = cb.key.trim_start_matches("callback-url:");
                cb.via = Some(format!("callback `{name}` ({method} {url})"));
                cb.key = format!("{} {}|{method} {}", op.method, op.key, cb.key);
                cb.loose_key = format!("{} {}|{method} {}", op.method, op.loose_key, cb.loose_key);
                cb.method = op.method.clone();
                cb.path = op.path.clone();
                callbacks.push(cb);
            }
        }
        operations.extend(callbacks);
        operations.sort_by(|a, b| (&a.key, &a.method).cmp(&(&b.key, &b.method)));
        let schemes_ptr = match self.doc.dialect {
            Dialect::Swagger2 => "/securityDefinitions",
            _ => "/components/securitySchemes",
        };
        let security_schemes = self
            .root
            .pointer(schemes_ptr)
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(k, v)| {
                        let (v, _) = self.deref_owned_ptr(v, "");
                        (k.clone(), scheme_descriptor(v))
                    })
                    .collect()
            })
            .unwrap_or_default();
        ApiModel {
            dialect: self.doc.dialect,
            base_path: self.base_path,
            operations,
            security_schemes,
        }
    }

    fn path_item(
        &self,
        p: &str,
        item: &'a Value,
        ptr: &str,
        kind: Option<&str>,
    ) -> Vec<Operation<'a>> {
        let (item, ptr) = self.deref_owned_ptr(item, ptr);
        let Value::Object(map) = item else {
            return Vec::new();
        };
        let shared = map.get("parameters");
        let mut out = Vec::new();
        for method in METHODS {
            let Some(op) = map.get(method) else { continue };
            let op_ptr = format!("{ptr}/{method}");
            out.push(self.operation(
                p,
                method,
                op,
                &op_ptr,
                shared,
                &format!("{ptr}/parameters"),
                kind,
            ));
        }
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn operation(
        &self,
        p: &str,
        method: &str,
        op: &'a Value,
        op_ptr: &str,
        shared: Option<&'a Value>,
        shared_ptr: &str,
        kind: Option<&str>,
    ) -> Operation<'a> {
        let (key, loose_key, method_label) = match kind {
            Some(k) => (
                p.to_owned(),
                p.to_owned(),
                format!("{k}:{}", method.to_ascii_uppercase()),
            ),
            None => {
                let key = path::match_key(&self.base_path, p);
                let loose = path::loose_key(&key);
                (key, loose, method.to_ascii_uppercase())
            }
        };
        let (deprecated, sunset) = lifecycle(op, self.extra_deprecation);
        let sunset = sunset.or_else(|| self.sunset_header(op));
        let declared = self.parameters(op, op_ptr, shared, shared_ptr);
        let mut parameters = declared.parameters;
        key_path_parameters(p, &mut parameters);
        parameters.sort_by(|a, b| a.key.cmp(&b.key));
        let request_body = match self.doc.dialect {
            Dialect::Swagger2 => self.swagger_body(op, op_ptr, &declared.body, &declared.form),
            _ => op.get("requestBody").map(|rb| {
                let (rb, rb_ptr) = self.deref_owned_ptr(rb, &format!("{op_ptr}/requestBody"));
                RequestBody {
                    required: rb.get("required").and_then(Value::as_bool).unwrap_or(false),
                    content: self.content(rb.get("content"), &format!("{rb_ptr}/content")),
                    pointer: rb_ptr,
                }
            }),
        };
        let security = op
            .get("security")
            .map(read_security)
            .or_else(|| self.global_security.clone());
        Operation {
            method: method_label,
            path: p.to_owned(),
            key,
            loose_key,
            operation_id: op
                .get("operationId")
                .and_then(Value::as_str)
                .map(str::to_owned),
            pointer: op_ptr.to_owned(),
            deprecated,
            sunset,
            // Unmarked means stable; case does not matter.
            stability: op
                .get("x-stability-level")
                .and_then(Value::as_str)
                .map(str::to_ascii_lowercase)
                .filter(|s| s != "stable"),
            tags: op
                .get("tags")
                .and_then(Value::as_array)
                .map(|t| {
                    t.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
            parameters,
            request_body,
            responses: self.responses(op, op_ptr),
            security,
            callbacks: self.callbacks(op, op_ptr),
            via: None,
        }
    }

    /// An operation's parameters, its own first: they override path-level ones.
    /// Swagger 2.0 `body` and `formData` parameters are set apart for the request body.
    fn parameters(
        &self,
        op: &'a Value,
        op_ptr: &str,
        shared: Option<&'a Value>,
        shared_ptr: &str,
    ) -> DeclaredParameters<'a> {
        let mut out = DeclaredParameters {
            parameters: Vec::new(),
            body: Vec::new(),
            form: Vec::new(),
        };
        let mut seen = BTreeSet::new();
        let op_params = op
            .get("parameters")
            .map(|v| (v, format!("{op_ptr}/parameters")));
        let shared_params = shared.map(|v| (v, shared_ptr.to_owned()));
        for (list, list_ptr) in op_params.into_iter().chain(shared_params) {
            let Value::Array(items) = list else { continue };
            for (i, raw) in items.iter().enumerate() {
                let (param, pptr) = self.deref_owned_ptr(raw, &format!("{list_ptr}/{i}"));
                let location = param
                    .get("in")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned();
                let Some(name) = param.get("name").and_then(Value::as_str) else {
                    continue;
                };
                let name = if location == "header" {
                    name.to_ascii_lowercase()
                } else {
                    name.to_owned()
                };
                if !seen.insert((location.clone(), name.clone())) {
                    continue;
                }
                // OpenAPI 3: these header parameters "SHALL be ignored"; media types
                // and security schemes say what they carry.
                if location == "header"
                    && self.doc.dialect != Dialect::Swagger2
                    && matches!(name.as_str(), "accept" | "content-type" | "authorization")
                {
                    continue;
                }
                match location.as_str() {
                    "body" => out.body.push((param, pptr)),
                    "formData" => out.form.push((param, pptr)),
                    _ => out
                        .parameters
                        .push(self.parameter(param, pptr, location, name)),
                }
            }
        }
        out
    }

    fn responses(&self, op: &'a Value, op_ptr: &str) -> BTreeMap<String, Response<'a>> {
        let mut responses = BTreeMap::new();
        if let Some(Value::Object(map)) = op.get("responses") {
            for (status, raw) in map {
                let (resp, rptr) = self.deref_owned_ptr(
                    raw,
                    &format!("{op_ptr}/responses/{}", escape_pointer(status)),
                );
                responses.insert(
                    status.to_ascii_uppercase(),
                    self.response(op, status, resp, rptr),
                );
            }
        }
        responses
    }

    fn callbacks(&self, op: &'a Value, op_ptr: &str) -> Vec<Operation<'a>> {
        let mut callbacks = Vec::new();
        if let Some(Value::Object(cbs)) = op.get("callbacks") {
            for (name, cb) in cbs {
                let (cb, cb_ptr) = self
                    .deref_owned_ptr(cb, &format!("{op_ptr}/callbacks/{}", escape_pointer(name)));
                if let Value::Object(exprs) = cb {
                    for (expr, item) in exprs {
                        let item_ptr = format!("{cb_ptr}/{}", escape_pointer(expr));
                        // Matched by the URL expression, not the name: renaming a
                        // callback changes nothing on the wire.
                        callbacks.extend(
                            self.path_item(
                                &format!("callback:{name}"),
                                item,
                                &item_ptr,
                                Some("CALLBACK"),
                            )
                            .into_iter()
                            .map(|mut cb| {
                                cb.key = format!("callback-url:{expr}");
                                cb.loose_key = cb.key.clone();
                                cb
                            }),
                        );
                    }
                }
            }
        }
        callbacks
    }

    fn parameter(
        &self,
        param: &'a Value,
        pointer: String,
        location: String,
        name: String,
    ) -> Parameter<'a> {
        let (deprecated, sunset) = lifecycle(param, self.extra_deprecation);
        let schema = match param.get("schema") {
            Some(s) => Some(SchemaNode::borrowed(s, format!("{pointer}/schema"))),
            // OpenAPI 3 `content` form: the first media type's schema.
            None => match param
                .get("content")
                .and_then(Value::as_object)
                .and_then(|c| c.iter().next())
            {
                Some((media, mt)) => mt.get("schema").map(|s| {
                    SchemaNode::borrowed(
                        s,
                        format!("{pointer}/content/{}/schema", escape_pointer(media)),
                    )
                }),
                // Swagger 2.0: the type sits on the parameter itself.
                None => param.get("type").map(|_| SchemaNode {
                    value: Cow::Owned(inline_schema(param)),
                    pointer: pointer.clone(),
                }),
            },
        };
        Parameter {
            key: format!("{location}:{name}"),
            required: location == "path"
                || param
                    .get("required")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
            deprecated,
            sunset,
            schema,
            style: param
                .get("style")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .or_else(|| swagger_style(param).map(|(s, _)| s.to_owned()))
                // The `content` form serialises the value as that media type says
                // (JSON quotes a string), not by a style.
                .or_else(|| {
                    let content = param.get("content").and_then(Value::as_object)?;
                    let media = content.keys().next()?;
                    (param.get("schema").is_none()).then(|| format!("content {media}"))
                }),
            explode: param
                .get("explode")
                .and_then(Value::as_bool)
                .or_else(|| swagger_style(param).map(|(_, e)| e)),
            pointer,
            location,
            name,
        }
    }

    fn swagger_body(
        &self,
        op: &'a Value,
        op_ptr: &str,
        body: &[(&'a Value, String)],
        form: &[(&'a Value, String)],
    ) -> Option<RequestBody<'a>> {
        let consumes = media_types(op.get("consumes"), &self.consumes);
        if let Some((param, pptr)) = body.first() {
            let medias = if consumes.is_empty() {
                vec!["application/json".to_owned()]
            } else {
                consumes
            };
            let content = medias
                .into_iter()
                .map(|m| {
                    let mt = MediaType {
                        pointer: pptr.clone(),
                        schema: param
                            .get("schema")
                            .map(|s| SchemaNode::borrowed(s, format!("{pptr}/schema"))),
                    };
                    (media_key(&m), mt)
                })
                .collect();
            return Some(RequestBody {
                required: param
                    .get("required")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                pointer: pptr.clone(),
                content,
            });
        }
        if form.is_empty() {
            return None;
        }
        let mut props = Map::new();
        let mut required = Vec::new();
        for (param, _) in form {
            let name = param
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default();
            props.insert(name.to_owned(), inline_schema(param));
            if param.get("required").and_then(Value::as_bool) == Some(true) {
                required.push(Value::String(name.to_owned()));
            }
        }
        let any_required = !required.is_empty();
        let schema = json!({"type": "object", "properties": props, "required": required});
        let media = consumes
            .into_iter()
            .find(|m| m.contains("form"))
            .unwrap_or_else(|| "application/x-www-form-urlencoded".to_owned());
        let pointer = format!("{op_ptr}/parameters");
        Some(RequestBody {
            required: any_required,
            content: BTreeMap::from([(
                media,
                MediaType {
                    pointer: pointer.clone(),
                    schema: Some(SchemaNode {
                        value: Cow::Owned(schema),
                        pointer: pointer.clone(),
                    }),
                },
            )]),
            pointer,
        })
    }

    fn response(
        &self,
        op: &'a Value,
        _status: &str,
        resp: &'a Value,
        rptr: String,
    ) -> Response<'a> {
        let content = match self.doc.dialect {
            Dialect::Swagger2 => {
                let produces = media_types(op.get("produces"), &self.produces);
                match resp.get("schema") {
                    Some(s) => {
                        let medias = if produces.is_empty() {
                            vec!["application/json".to_owned()]
                        } else {
                            produces
                        };
                        medias
                            .into_iter()
                            .map(|m| {
                                (
                                    media_key(&m),
                                    MediaType {
                                        pointer: rptr.clone(),
                                        schema: Some(SchemaNode::borrowed(
                                            s,
                                            format!("{rptr}/schema"),
                                        )),
                                    },
                                )
                            })
                            .collect()
                    }
                    None => BTreeMap::new(),
                }
            }
            _ => self.content(resp.get("content"), &format!("{rptr}/content")),
        };
        let mut headers = BTreeMap::new();
        if let Some(Value::Object(hs)) = resp.get("headers") {
            for (name, raw) in hs {
                let (h, hptr) =
                    self.deref_owned_ptr(raw, &format!("{rptr}/headers/{}", escape_pointer(name)));
                let schema = match h.get("schema") {
                    Some(s) => Some(SchemaNode::borrowed(s, format!("{hptr}/schema"))),
                    None => h.get("type").map(|_| SchemaNode {
                        value: Cow::Owned(inline_schema(h)),
                        pointer: hptr.clone(),
                    }),
                };
                headers.insert(
                    name.to_ascii_lowercase(),
                    Header {
                        required: h.get("required").and_then(Value::as_bool).unwrap_or(false),
                        deprecated: lifecycle(h, self.extra_deprecation).0,
                        pointer: hptr,
                        schema,
                    },
                );
            }
        }
        Response {
            status: _status.to_owned(),
            pointer: rptr,
            content,
            headers,
        }
    }

    fn content(&self, content: Option<&'a Value>, ptr: &str) -> BTreeMap<String, MediaType<'a>> {
        let Some(Value::Object(map)) = content else {
            return BTreeMap::new();
        };
        map.iter()
            .map(|(media, mt)| {
                let mptr = format!("{ptr}/{}", escape_pointer(media));
                let schema = mt
                    .get("schema")
                    .map(|s| SchemaNode::borrowed(s, format!("{mptr}/schema")));
                (
                    media_key(media),
                    MediaType {
                        pointer: mptr,
                        schema,
                    },
                )
            })
            // With duplicates after normalising, the first one written wins.
            .rev()
            .collect()
    }

    /// Follows a `$ref` on a non-schema object (parameter, response, path item).
    /// The date of a `Sunset` response header (RFC 8594) the operation documents, from
    /// its example, default or single enum value.
    fn sunset_header(&self, op: &'a Value) -> Option<String> {
        let responses = op.get("responses")?.as_object()?;
        let header = responses.values().find_map(|r| {
            let (r, _) = self.deref_owned_ptr(r, "");
            let (_, h) = r
                .get("headers")?
                .as_object()?
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case("sunset"))?;
            Some(self.deref_owned_ptr(h, "").0)
        })?;
        let schema = header.get("schema").map(|s| self.deref_owned_ptr(s, "").0);
        let examples = header
            .get("examples")
            .and_then(Value::as_object)
            .and_then(|e| e.values().next())
            .and_then(|e| e.get("value"));
        let enum_value = schema
            .and_then(|s| s.get("enum"))
            .and_then(Value::as_array)
            .filter(|e| e.len() == 1)
            .and_then(|e| e.first());
        [
            header.get("example"),
            examples,
            schema.and_then(|s| s.get("example")),
            schema.and_then(|s| s.get("default")),
            schema.and_then(|s| s.get("const")),
            enum_value,
        ]
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(normalize_date)
        .find(|d| d.parse::<jiff::civil::Date>().is_ok())
    }

    fn deref_owned_ptr(&self, value: &'a Value, ptr: &str) -> (&'a Value, String) {
        let mut current = value;
        let mut pointer = ptr.to_owned();
        for _ in 0..16 {
            match current
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix('#'))
            {
                Some(frag) => match resolve_fragment(self.root, frag) {
                    Some(next) => {
                        current = next;
                        pointer = frag.to_owned();
                    }
                    None => break,
                },
                None => break,
            }
        }
        (current, pointer)
    }
}

/// The server whose base path operations live under: the first one that does not
/// look like a sandbox, staging or local server (vendors list those first, too).
fn production_server(servers: Option<&Value>) -> Option<String> {
    let urls: Vec<String> = servers?.as_array()?.iter().filter_map(server_url).collect();
    let non_production = [
        "sandbox",
        "staging",
        "stage.",
        "test",
        "mock",
        "localhost",
        "127.0.0.1",
        "dev.",
        "-dev",
        "preview",
    ];
    urls.iter()
        .find(|u| {
            let host = u
                .split("://")
                .nth(1)
                .unwrap_or(u)
                .split('/')
                .next()
                .unwrap_or("")
                .to_ascii_lowercase();
            let path = u.to_ascii_lowercase();
            !non_production.iter().any(|w| {
                host.contains(w) || path.contains(&format!("/{}", w.trim_matches(['.', '-'])))
            })
        })
        .or(urls.first())
        .cloned()
}

/// A server's URL with its variables (`https://{region}.example.com/{basePath}`)
/// replaced by their defaults.
fn server_url(server: &Value) -> Option<String> {
    let mut url = server.get("url")?.as_str()?.to_owned();
    if let Some(Value::Object(vars)) = server.get("variables") {
        for (name, var) in vars {
            if let Some(default) = var.get("default").and_then(Value::as_str) {
                url = url.replace(&format!("{{{name}}}"), default);
            }
        }
    }
    Some(url)
}

/// What a client must send to satisfy a security scheme; a change to it breaks calls.
fn scheme_descriptor(v: &Value) -> String {
    let s = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("");
    match s("type") {
        // Header names are case-insensitive; query and cookie names are not.
        "apiKey" if s("in") == "header" => {
            format!("apiKey in header {}", s("name").to_ascii_lowercase())
        }
        "apiKey" => format!("apiKey in {} {}", s("in"), s("name")),
        "http" => format!("http {}", s("scheme").to_ascii_lowercase()),
        // Swagger 2.0.
        "basic" => "http basic".to_owned(),
        "oauth2" => {
            let mut urls: Vec<String> = Vec::new();
            if let Some(flows) = v.get("flows").and_then(Value::as_object) {
                for (flow, f) in flows {
                    let token = f.get("tokenUrl").and_then(Value::as_str).unwrap_or("");
                    urls.push(format!("{flow} {token}"));
                }
            } else {
                // Swagger 2.0 names two of the four flows differently.
                let flow = match s("flow") {
                    "application" => "clientCredentials",
                    "accessCode" => "authorizationCode",
                    other => other,
                };
                urls.push(format!("{flow} {}", s("tokenUrl")));
            }
            urls.sort();
            format!("oauth2 {}", urls.join(", ").trim())
        }
        "openIdConnect" => format!("openIdConnect {}", s("openIdConnectUrl")),
        other => other.to_owned(),
    }
}

/// A Swagger 2.0 operation's `consumes`/`produces`, else the document's.
fn media_types(list: Option<&Value>, document: &[String]) -> Vec<String> {
    let own: Vec<String> = list
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    if own.is_empty() {
        document.to_vec()
    } else {
        own
    }
}

/// Swagger 2.0 `collectionFormat` as the OpenAPI 3 style and explode it means.
fn swagger_style(param: &Value) -> Option<(&'static str, bool)> {
    if param.get("type").and_then(Value::as_str) != Some("array") {
        return None;
    }
    let simple = matches!(
        param.get("in").and_then(Value::as_str),
        Some("path") | Some("header")
    );
    Some(
        match param
            .get("collectionFormat")
            .and_then(Value::as_str)
            .unwrap_or("csv")
        {
            "multi" => ("form", true),
            "ssv" => ("spaceDelimited", false),
            "pipes" => ("pipeDelimited", false),
            "tsv" => ("tabDelimited", false),
            _ if simple => ("simple", false),
            _ => ("form", false),
        },
    )
}

/// `application/json; charset=utf-8` → `application/json`: parameters do not change
/// what is sent, and vendors add and drop them freely.
pub fn media_key(media: &str) -> String {
    media
        .split(';')
        .next()
        .unwrap_or(media)
        .trim()
        .to_ascii_lowercase()
}

/// A date as vendors write it (`2027-03-01`, RFC 3339, or the HTTP-date form of the
/// `Sunset` header, RFC 8594) as `YYYY-MM-DD` in UTC; unparseable text is kept as is.
pub fn normalize_date(text: &str) -> String {
    let t = text.trim();
    if let Ok(d) = t.parse::<jiff::civil::Date>() {
        return d.to_string();
    }
    let rfc2822 = |s: &str| {
        jiff::fmt::rfc2822::DateTimeParser::new()
            .parse_timestamp(s)
            .ok()
    };
    // A wrong weekday (`Mon, 01 Jan 2099` is a Thursday) should not hide the date.
    let without_weekday = t.split_once(", ").map(|(_, rest)| rest).unwrap_or(t);
    let ts = t
        .parse::<jiff::Timestamp>()
        .ok()
        .or_else(|| rfc2822(t))
        .or_else(|| rfc2822(without_weekday));
    match ts {
        Some(ts) => ts.to_string().chars().take(10).collect(),
        None => t.to_owned(),
    }
}

/// `deprecated` and a sunset date, from the standard field and vendor extensions.
pub fn lifecycle(v: &Value, extra: &[String]) -> (bool, Option<String>) {
    let deprecated = v.get("deprecated").and_then(Value::as_bool) == Some(true)
        || DEPRECATION_EXTENSIONS
            .iter()
            .copied()
            .chain(extra.iter().map(String::as_str))
            .any(|x| {
                matches!(
                    v.get(x),
                    Some(Value::Bool(true)) | Some(Value::String(_)) | Some(Value::Object(_))
                )
            });
    let sunset = SUNSET_EXTENSIONS
        .iter()
        .find_map(|x| v.get(*x).and_then(Value::as_str))
        .map(normalize_date);
    (deprecated, sunset)
}

fn read_security(v: &Value) -> Vec<SecurityRequirement> {
    v.as_array()
        .map(|reqs| {
            reqs.iter()
                .filter_map(Value::as_object)
                .map(|req| {
                    req.iter()
                        .map(|(name, scopes)| {
                            let scopes = scopes
                                .as_array()
                                .map(|s| {
                                    s.iter()
                                        .filter_map(Value::as_str)
                                        .map(str::to_owned)
                                        .collect()
                                })
                                .unwrap_or_default();
                            (name.clone(), scopes)
                        })
                        .collect()
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A Swagger 2.0 parameter or header carries its schema keywords inline.
fn inline_schema(param: &Value) -> Value {
    let Value::Object(map) = param else {
        return Value::Null;
    };
    let skip = [
        "name",
        "in",
        "required",
        "description",
        "collectionFormat",
        "allowEmptyValue",
        "x-example",
    ];
    let mut out: Map<String, Value> = map
        .iter()
        .filter(|(k, _)| !skip.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if out.get("type") == Some(&Value::String("file".into())) {
        out.insert("type".into(), Value::String("string".into()));
        out.insert("format".into(), Value::String("binary".into()));
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::load::parse_document;

    #[test]
    fn swagger2_body_parameter_becomes_a_request_body() {
        let doc = parse_document(
            br#"{"swagger":"2.0","basePath":"/v1","consumes":["application/json"],"paths":{"/send":{"post":{"operationId":"send","parameters":[{"in":"body","name":"body","required":true,"schema":{"type":"object"}},{"in":"query","name":"dry","type":"boolean"}],"responses":{"200":{"description":"ok","schema":{"type":"object"}}}}}}}"#,
            "s.json",
        )
        .unwrap();
        let model = ApiModel::build(&doc);
        let op = &model.operations[0];
        assert_eq!(op.key, "/v1/send");
        let body = op.request_body.as_ref().unwrap();
        assert!(body.required);
        assert!(body.content.contains_key("application/json"));
        assert_eq!(op.parameters.len(), 1);
        assert!(op.parameters[0].schema.is_some());
        assert!(op.responses["200"].content.contains_key("application/json"));
    }

    #[test]
    fn path_level_parameters_merge_and_path_params_are_positional() {
        let doc = parse_document(
            br#"{"openapi":"3.0.0","paths":{"/a/{x}":{"parameters":[{"in":"path","name":"x","required":true,"schema":{"type":"string"}}],"get":{"parameters":[{"in":"query","name":"q","schema":{"type":"string"}}],"responses":{}}}}}"#,
            "s.json",
        )
        .unwrap();
        let model = ApiModel::build(&doc);
        let keys: Vec<_> = model.operations[0]
            .parameters
            .iter()
            .map(|p| p.key.clone())
            .collect();
        assert_eq!(keys, ["path#0", "query:q"]);
    }

    #[test]
    fn sunset_dates_normalise_from_every_form_vendors_use() {
        assert_eq!(normalize_date("2027-03-01"), "2027-03-01");
        assert_eq!(normalize_date("2027-03-01T00:00:00Z"), "2027-03-01");
        assert_eq!(
            normalize_date("Mon, 01 Mar 2027 00:00:00 GMT"),
            "2027-03-01"
        );
        assert_eq!(normalize_date("Q2 2027"), "Q2 2027");
        assert_eq!(
            normalize_date("Mon, 01 Jan 2099 00:00:00 GMT"),
            "2099-01-01",
            "wrong weekday"
        );
    }

    #[test]
    fn the_production_server_gives_the_base_path() {
        let servers = serde_json::json!([{"url": "https://sandbox.x.example/test/crm/v3"}, {"url": "https://api.x.example/crm/v3"}]);
        assert_eq!(
            production_server(Some(&servers)).as_deref(),
            Some("https://api.x.example/crm/v3")
        );
        let only = serde_json::json!([{"url": "http://localhost:8080/v1"}]);
        assert_eq!(
            production_server(Some(&only)).as_deref(),
            Some("http://localhost:8080/v1")
        );
        // Variables take their defaults, in the host and in the path.
        let templated = serde_json::json!([{
            "url": "https://{region}.api.example.com/{basePath}",
            "variables": {"region": {"default": "eu"}, "basePath": {"default": "marketing"}}
        }]);
        assert_eq!(
            production_server(Some(&templated)).as_deref(),
            Some("https://eu.api.example.com/marketing")
        );
    }

    #[test]
    fn finds_operations_by_id_or_method_and_path() {
        let doc = parse_document(
            br#"{"openapi":"3.0.0","servers":[{"url":"https://x.example/v3"}],"paths":{"/c/{contactId}/":{"get":{"operationId":"getC","responses":{}}}}}"#,
            "s.json",
        )
        .unwrap();
        let model = ApiModel::build(&doc);
        assert!(model.find("getC").is_some());
        assert!(model.find("GET /c/{id}").is_some());
        assert!(model.find("get /v3/c/{id}").is_some());
        assert!(model.find("POST /c/{id}").is_none());
        assert!(model.find("nope").is_none());
    }
}
