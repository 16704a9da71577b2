//! Command-line syntax (clap), and running a parsed command.

use std::io::{self, Write};
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::input;
use crate::names::{EventOptions, EVENTS_HELP};
use crate::report::Problems;

#[derive(Debug, Parser)]
#[command(
    name = "knox",
    version,
    about = "Read, filter and watch BSM audit trails (macOS, FreeBSD) on any OS"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Summarise trails: records, tokens per type, header kinds, time range, events, decode errors.
    #[command(after_help = EVENTS_HELP)]
    Stats {
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        events: EventOptions,
        /// Trail files, directories of trail files (a copied /var/audit), or - for stdin.
        #[arg(value_name = "FILE")]
        files: Vec<PathBuf>,
    },
}

/// Runs a command; returns the exit code.
pub fn run(cli: Cli, out: &mut dyn Write) -> io::Result<i32> {
    match cli.command {
        Command::Stats {
            json,
            events,
            files,
        } => {
            let mut problems = Problems::default();
            let sources = match input::expand(&files) {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("knox: {e}");
                    return Ok(2);
                }
            };
            let (table, _) = match events.load() {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("knox: {}: {e}", events.events.unwrap_or_default().display());
                    return Ok(2);
                }
            };
            let st = crate::stats::collect(&sources, &table, &mut problems);
            if json {
                serde_json::to_writer_pretty(&mut *out, &st)?;
                writeln!(out)?;
                // The report is for machines; tell the person at the terminal too.
                for p in &st.errors {
                    eprintln!("knox stats: {p}");
                }
            } else {
                crate::stats::write_text(&st, out)?;
            }
            Ok(problems.exit_code())
        }
    }
}
