//! `apiwatch rules`: the rule catalog.

use anyhow::Result;
use clap::ValueEnum;

use super::Outcome;
use apiwatch::report::rules;

#[derive(Debug, clap::Args)]
pub struct RulesArgs {
    #[arg(long, value_enum, default_value_t = RulesFormat::Text)]
    pub format: RulesFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RulesFormat {
    Text,
    Markdown,
    Json,
}

pub fn cmd_rules(args: RulesArgs) -> Result<Outcome> {
    out!(
        "{}",
        match args.format {
            RulesFormat::Text => rules::text(),
            RulesFormat::Markdown => rules::markdown(),
            RulesFormat::Json => rules::json(),
        }
    );
    Ok(Outcome::Clean)
}
