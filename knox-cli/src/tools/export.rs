//! `knox export`: OCSF or Timesketch JSON Lines, or Parquet files of the Arrow tables.

use std::io::{self, Write};
use std::path::PathBuf;

use super::{names_note, Env, Reading, Tool};
use crate::error::Error;
use crate::output::export::{ocsf::Ocsf, timesketch::Timesketch};
use crate::output::export::{Fill, Lines, Stream};
use crate::read::pipeline;
use crate::read::settings::Settings;

/// What the export writes.
#[derive(Clone, Debug)]
pub enum Options {
    /// OCSF 1.8.0 events, one per line, to stdout.
    Ocsf,
    /// Timesketch's JSON Lines, to stdout.
    Timesketch,
    /// One of the Arrow tables, as Parquet files partitioned under `to`.
    Parquet {
        to: PathBuf,
        table: knox_arrow::Table,
    },
}

/// Runs the export on its inputs.
pub fn run(
    reading: Reading<'_>,
    opts: &Options,
    env: &Env,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32, Error> {
    let s = reading.settings(env, Tool::Export, err)?;
    let problems = match opts {
        Options::Ocsf => lines(&Ocsf, &s, Stream::new(out), err)?,
        Options::Timesketch => lines(&Timesketch, &s, Stream::new(out), err)?,
        Options::Parquet { to, table } => parquet(&s, to, *table, err)?,
    };
    Ok(problems.exit_code())
}

/// JSON Lines of `format`.
fn lines<F: crate::output::export::Format, O: crate::output::export::Output>(
    format: &F,
    s: &Settings,
    output: O,
    err: &mut dyn Write,
) -> io::Result<crate::read::report::Problems> {
    let progress = crate::read::progress::Progress::new(&s.sources, s.progress_bar);
    let mut sink = Fill::new(format, s.context(), output, progress);
    let problems = pipeline::run(
        &s.sources,
        &s.loop_options(),
        &|| Lines::new(format, s.context(), &s.acts, &s.filter),
        &mut sink,
        err,
    )?;
    names_note(s, err)?;
    Ok(problems)
}

/// Parquet files under `dir`: each token type, each OCSF class in its own partitions, with its
/// own columns.
fn parquet(
    s: &Settings,
    dir: &std::path::Path,
    table: knox_arrow::Table,
    err: &mut dyn Write,
) -> Result<crate::read::report::Problems, Error> {
    let output = knox_arrow::parquet::Partitions::new(dir, table, s.threads)
        .map_err(|e| Error::Unusable(e.to_string()))?;
    let mut opts = knox_arrow::Options::new(table, s.events.clone(), s.accounts.clone());
    opts.split = true;
    let filter = s.filter.clone();
    if !filter.selects_all() {
        opts.select = Some(std::sync::Arc::new(move |r: &bsm_format::Record<'_>| {
            filter.matches(r)
        }));
    }
    let output = crate::read::progress::Watched {
        inner: output,
        progress: crate::read::progress::Progress::new(&s.sources, s.progress_bar),
    };
    let (problems, sink) = knox_arrow::run(&s.sources, &opts, &s.loop_options(), output, err)?;
    names_note(s, err)?;
    writeln!(
        err,
        "{}: {} rows in {} files under {}",
        s.what,
        sink.output.inner.rows,
        sink.output.inner.files(),
        dir.display()
    )?;
    Ok(problems)
}
