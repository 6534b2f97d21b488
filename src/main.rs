//! `apiwatch`: parse the command line, run it, map the outcome to an exit code.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match cli::execute(cli) {
        Ok(outcome) => ExitCode::from(outcome.code()),
        Err(err) => {
            // An error may quote what a server or a file said: never a credential.
            eprintln!(
                "apiwatch: error: {}",
                apiwatch::secrets::redact(&format!("{err:#}"))
            );
            ExitCode::from(2)
        }
    }
}
