//! The tools, one module each: a tool gets where to read ([`Reading`]), its own options (plain
//! structs that the command line resolved once; no clap type reaches this layer) and the
//! process around it ([`Env`]), reads its inputs through the one record loop
//! ([`crate::read::pipeline`]) and writes its report to the writers it is given. Each returns
//! the exit code (0 all decoded, 1 decode errors reported) or an [`Error`], which the command
//! line says once.

pub mod activity;
pub mod commands;
pub mod export;
pub mod hunt;
pub mod live;
pub mod praudit;
pub mod records;

use std::io::{self, Write};
use std::sync::Arc;

use crate::error::Error;
use crate::read::pipeline;
use crate::read::settings::{Given, Inputs, Settings};

/// What a run knows of the process around it: bytes to read in place of stdin, and which
/// standard streams are terminals. The binary fills it from the process (the only place that
/// asks); tests and fuzzing give bytes and say which streams to take for terminals.
#[derive(Clone, Debug, Default)]
pub struct Env {
    /// Read where an input is `-` (stdin), instead of the process's stdin.
    pub stdin: Option<Arc<[u8]>>,
    pub terminals: Terminals,
}

/// Which standard streams are terminals: stdin (a note that knox waits for a trail), stdout
/// (praudit's `--safe` on by itself; raw BSM refused) and stderr (progress bars).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Terminals {
    pub stdin: bool,
    pub stdout: bool,
    pub stderr: bool,
}

/// The reading tools, as their messages name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tool {
    Stats,
    Praudit,
    Json,
    Commands,
    Auditreduce,
    Verify,
    Export,
    Ps,
    Tree,
    Files,
    Errors,
    Net,
    Timeline,
    Hunt,
    Auditpipe,
}

impl Tool {
    /// The tool's name at the head of its messages (`knox ps`).
    pub fn name(self) -> &'static str {
        match self {
            Tool::Stats => "knox stats",
            Tool::Praudit => "knox praudit",
            Tool::Json => "knox json",
            Tool::Commands => "knox commands",
            Tool::Auditreduce => "knox auditreduce",
            Tool::Verify => "knox verify",
            Tool::Export => "knox export",
            Tool::Ps => "knox ps",
            Tool::Tree => "knox tree",
            Tool::Files => "knox files",
            Tool::Errors => "knox errors",
            Tool::Net => "knox net",
            Tool::Timeline => "knox timeline",
            Tool::Hunt => "knox hunt",
            Tool::Auditpipe => "knox auditpipe",
        }
    }
}

/// Where a reading tool reads and how: its inputs and the reading options, as given.
pub struct Reading<'a> {
    pub inputs: Inputs<'a>,
    pub given: Given<'a>,
}

impl Reading<'_> {
    /// Resolves the settings of `tool`, saying what they skip and what may surprise (an empty
    /// file, a wait on a terminal).
    pub fn settings(self, env: &Env, tool: Tool, err: &mut dyn Write) -> Result<Settings, Error> {
        let given = Given {
            stdin: env.stdin.clone(),
            ..self.given
        };
        let what = tool.name();
        let mut s = Settings::resolve(what, self.inputs, given)?;
        s.progress_bar = env.terminals.stderr;
        for skipped in &s.skipped {
            writeln!(err, "{what}: skipped {skipped}")?;
        }
        // The live pipe needs root: become it (through sudo) now, while messages can
        // still be said, rather than in the reading thread.
        #[cfg(unix)]
        if bsm_io::system::LIVE_SUPPORTED
            && s.sources
                .iter()
                .any(|(src, _)| matches!(src, crate::read::input::Source::Live(_)))
        {
            crate::read::privileges::ensure_root(err).map_err(|e| Error::System(e.to_string()))?;
        }
        // praudit says nothing of an empty file or of waiting, as praudit does; the other
        // tools say both.
        let quiet = tool == Tool::Praudit;
        for (src, info) in &s.sources {
            match src {
                crate::read::input::Source::File(p)
                    if !quiet
                        && std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.len() == 0) =>
                {
                    writeln!(err, "{what}: {}: empty file (no records)", info.name)?;
                }
                // (Bytes given in place of stdin stand for it.)
                crate::read::input::Source::Stdin | crate::read::input::Source::Memory(_)
                    if !quiet && env.terminals.stdin =>
                {
                    writeln!(
                        err,
                        "{what}: reading BSM from stdin (a terminal): give trail files or \
                         directories, or pipe a trail in (Ctrl-D ends)"
                    )?;
                }
                _ => {}
            }
        }
        Ok(s)
    }
}

/// A reading tool whose options are resolved, ready to run on settings (the fuzz targets run
/// one on input after input).
pub enum Reader {
    Praudit(praudit::Options),
    Json,
    Commands(crate::output::commands::Options),
    Activity(activity::Options),
    Hunt(hunt::Rules),
}

impl Reader {
    /// Runs the tool on the settings' sources.
    pub fn run_on(
        &self,
        s: &Settings,
        terminals: Terminals,
        out: &mut dyn Write,
        err: &mut dyn Write,
    ) -> io::Result<i32> {
        match self {
            Reader::Praudit(o) => praudit::print(s, o, terminals, out, err),
            Reader::Json => records::json_on(s, out, err),
            Reader::Commands(o) => commands::report(s, o.clone(), out, err),
            Reader::Activity(o) => activity::report(s, o, out, err),
            Reader::Hunt(r) => Ok(hunt::hunt_on(s, r, None, out, err)?.problems.exit_code()),
        }
    }
}

/// Reads the records' facts (the process model's input) into a sink.
fn run_facts<S>(
    s: &Settings,
    sink: &mut S,
    err: &mut dyn Write,
) -> io::Result<crate::read::report::Problems>
where
    S: pipeline::Sink<Vec<crate::read::events::Parsed>> + ?Sized,
{
    let problems = pipeline::run(
        &s.sources,
        &s.loop_options(),
        &|| crate::read::events::Facts::new(&s.acts, &s.filter),
        sink,
        err,
    )?;
    names_note(s, err)?;
    Ok(problems)
}

/// Says once, after a run, that the names printed came from this machine's accounts.
fn names_note(s: &Settings, err: &mut dyn Write) -> io::Result<()> {
    if let Some(note) = s.accounts.host_names_note() {
        writeln!(err, "{}: {note}", s.what)?;
    }
    Ok(())
}

/// A writer that flushes after each line when the input streams (followed and live input is
/// printed as it comes, not when a buffer fills).
struct Flushing<'a> {
    out: &'a mut dyn Write,
    streaming: bool,
}

impl Write for Flushing<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.out.write(buf)?;
        if self.streaming && buf[..n].contains(&b'\n') {
            self.out.flush()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}
