//! Helpers shared by the fuzz targets.

pub mod github_markdown;
