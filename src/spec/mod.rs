//! NORMALIZE: vendor bytes in, a dialect-neutral view of the API out.
//!
//! Vendors publish Swagger 2.0, OpenAPI 3.0 and OpenAPI 3.1, in JSON and YAML, and
//! real files mix dialects (3.1 files that still say `nullable: true`). Rather than
//! three typed models (`openapiv3` stops at 3.0 and rejects 3.1 type arrays), this
//! stage keeps the document as a `serde_json::Value` and reads it through one
//! tolerant lens:
//!
//! - [`load`] turns bytes into a [`Document`]: JSON or YAML (sniffed), size-capped,
//!   relative file `$ref`s bundled in (never URLs, never outside the spec's folder).
//! - [`normalize`] writes a document back out in the stable, sorted form that
//!   `snapshots/` holds, so that a vendor change reads as an ordinary git diff.
//! - [`model`] lists the operations of a document, with their parameters, bodies,
//!   responses and security, each pointing back into the document by JSON pointer.
//!   Swagger 2.0 `in: body`/`formData` parameters become request bodies here.
//! - [`schema`] reads one schema node: resolves `$ref`, folds `allOf`, and
//!   recognises the three ways of saying "nullable".
//! - [`path`] builds the key two operations are matched by: trailing slashes,
//!   path-parameter names and server base paths do not matter.
//!
//! Nothing here does I/O except [`load::load_file`], and nothing here judges.

pub mod load;
pub mod model;
pub mod normalize;
pub mod path;
pub mod schema;
pub mod strict;

pub use load::{Dialect, Document, SpecError};
