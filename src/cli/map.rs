//! `apiwatch map`: the integration map as a table, Markdown, CSV, JSON, Mermaid or DOT.

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::ValueEnum;

use super::Outcome;
use apiwatch::report;

#[derive(Debug, clap::Args)]
pub struct MapArgs {
    #[arg(long, value_enum, default_value_t = MapFormat::Table)]
    pub format: MapFormat,
    #[arg(long, default_value = ".apiwatch", value_name = "DIR")]
    pub state_dir: PathBuf,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum MapFormat {
    Table,
    Markdown,
    Csv,
    Json,
    Mermaid,
    Dot,
}

pub fn cmd_map(root: &Path, args: MapArgs) -> Result<Outcome> {
    let map = apiwatch::run::load_map(root)?;
    let last = apiwatch::run::read_last_run(&root.join(&args.state_dir));
    let mut rows = report::map::rows(&map, &last);
    apiwatch::suite::annotate_coverage(&mut rows, &map);
    let out = match args.format {
        MapFormat::Table => report::map::table(&rows),
        MapFormat::Markdown => report::map::markdown(&rows),
        MapFormat::Csv => report::map::csv(&rows),
        MapFormat::Json => report::map::json(&rows),
        MapFormat::Mermaid => report::map::mermaid(&rows),
        MapFormat::Dot => report::map::dot(&rows),
    };
    out!("{out}");
    Ok(Outcome::Clean)
}
