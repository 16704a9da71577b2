//! The reports built on the activity model: `knox ps`, `tree`, `files`, `errors`, `net`, and
//! the timeline page.

use std::io::{self, Write};
use std::path::PathBuf;

use super::{run_facts, Env, Flushing, Reading, Tool};
use crate::error::Error;
use crate::output::activity::print::{self, Out, PsSort};
use crate::output::activity::{Activities, Report};
use crate::read::settings::Settings;

/// Which report.
#[derive(Clone, Debug)]
pub enum Kind {
    /// Processes, in this order (by default by start, or by exit when the input streams).
    Ps(Option<PsSort>),
    Tree,
    Errors,
    Net,
    /// Files touched, only those whose path matches `glob`, grouped by path under `by_path`.
    Files {
        glob: Option<regex::bytes::Regex>,
        by_path: bool,
    },
}

impl Kind {
    /// The tool that prints the report.
    pub fn tool(&self) -> Tool {
        match self {
            Kind::Ps(_) => Tool::Ps,
            Kind::Tree => Tool::Tree,
            Kind::Errors => Tool::Errors,
            Kind::Net => Tool::Net,
            Kind::Files { .. } => Tool::Files,
        }
    }

    /// What `--live` audits when given no classes: the process lifecycle plus the report's
    /// own classes.
    pub fn live_classes(&self) -> &'static str {
        match self {
            Kind::Ps(_) => "pc,ex,fr,fw,fc,fd,fm,nt,-all",
            Kind::Tree => "pc,ex",
            Kind::Errors => "pc,ex,-all",
            Kind::Net => "pc,ex,nt",
            Kind::Files { .. } => "pc,ex,fr,fw,fc,fd,fm",
        }
    }
}

/// An activity report's options.
#[derive(Clone, Debug)]
pub struct Options {
    pub kind: Kind,
    /// JSON Lines instead of text.
    pub json: bool,
    /// Column titles over the text.
    pub titles: bool,
    /// Only this process and its descendants.
    pub pid: Option<u32>,
}

/// Runs the report on its inputs.
pub fn run(
    reading: Reading<'_>,
    opts: &Options,
    env: &Env,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32, Error> {
    let s = reading.settings(env, opts.kind.tool(), err)?;
    Ok(report(&s, opts, out, err)?)
}

/// The report on resolved settings.
pub(super) fn report(
    s: &Settings,
    opts: &Options,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<i32> {
    let streaming = s.streaming();
    let mut out = Flushing { out, streaming };
    let o = Out::new(&mut out, opts.json, s.context()).titles(opts.titles);
    let mut report: Box<dyn Report + '_> = match &opts.kind {
        Kind::Ps(sort) => {
            let default = if streaming {
                PsSort::Exit
            } else {
                PsSort::Start
            };
            Box::new(print::Ps::new(o, sort.unwrap_or(default)))
        }
        Kind::Tree => Box::new(crate::output::activity::tree::Tree::new(o, streaming)),
        Kind::Errors => Box::new(print::Errors::new(o)),
        Kind::Net => Box::new(print::Net::new(o)),
        Kind::Files { glob, by_path } => Box::new(print::Files::new(o, glob.clone(), *by_path)),
    };
    let (code, _) = model(s, opts.pid, &mut *report, err)?;
    drop(report);
    out.out.flush()?;
    Ok(code)
}

/// Runs the records through the activity model into a report; returns the exit code and the
/// moments the model dropped.
fn model(
    s: &Settings,
    scope: Option<u32>,
    report: &mut dyn Report,
    err: &mut dyn Write,
) -> io::Result<(i32, u64)> {
    let mut msgs = Vec::new();
    let (problems, dropped) = {
        let mut sink = Activities::new(
            report,
            scope,
            s.filter.selects_all(),
            &s.events,
            s.what,
            &mut msgs,
        );
        let problems = run_facts(s, &mut sink, err)?;
        (problems, sink.moments_dropped)
    };
    err.write_all(&msgs)?;
    Ok((problems.exit_code(), dropped))
}

/// The timeline page's options.
#[derive(Clone, Debug)]
pub struct Timeline {
    /// Where the page goes (`-` for stdout).
    pub html: PathBuf,
    /// The page's title.
    pub title: String,
    /// Only this process and its descendants.
    pub pid: Option<u32>,
}

/// `knox timeline`: one HTML page of the processes and what they did.
pub fn timeline(
    reading: Reading<'_>,
    opts: &Timeline,
    env: &Env,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32, Error> {
    let s = reading.settings(env, Tool::Timeline, err)?;
    let to_stdout = opts.html.as_os_str() == "-";
    let mut file: Box<dyn Write> = if to_stdout {
        Box::new(&mut *out)
    } else {
        let f = std::fs::File::create(&opts.html).map_err(|e| {
            let path = opts.html.display();
            Error::Unusable(format!(
                "cannot write the page {path}: {}",
                crate::read::report::io_text(&e)
            ))
        })?;
        Box::new(io::BufWriter::new(f))
    };
    let mut page = crate::output::timeline::Timeline::new(&mut file, opts.title.clone(), s.zone);
    let (code, dropped) = model(&s, opts.pid, &mut page, err)?;
    page.dropped += dropped;
    page.write()?;
    file.flush()?;
    Ok(code)
}
