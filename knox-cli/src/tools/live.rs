//! The live tools: `knox auditpipe` (records from /dev/auditpipe as they happen) and
//! `knox auditon` (the kernel's audit settings).

use std::io::Write;

use super::{Env, Reading, Tool};
use crate::error::Error;
use crate::read::settings::{Given, Inputs, TableFiles};

/// How `knox auditpipe` writes records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Raw BSM (refused on a terminal).
    Raw,
    /// As `knox praudit --live`.
    Praudit,
    /// As `knox json --live`.
    Json,
    /// As `knox commands --live`.
    Commands,
}

/// `knox auditpipe`'s options.
#[derive(Clone, Debug)]
pub struct Pipe {
    /// The classes to select, as audit_control(5) writes them.
    pub classes: String,
    /// The classes for events not attributable to a user.
    pub naflags: Option<String>,
    pub qlimit: Option<bsm_io::pipe::QueueLimit>,
    pub format: Format,
    pub tables: TableFiles,
}

/// Runs `knox auditpipe`.
pub fn auditpipe(
    opts: &Pipe,
    env: &Env,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32, Error> {
    let classes = opts.tables.load_classes().map_err(|e| {
        Error::Unusable(format!("class table: {}", crate::read::report::io_text(&e)))
    })?;
    let parse = |s: &str| bsm_format::tables::parse_flags(s, &classes);
    let (flags, naflags) = match (
        parse(&opts.classes),
        opts.naflags.as_deref().map(parse).transpose(),
    ) {
        (Ok(f), Ok(n)) => (f, n.unwrap_or_default()),
        (Err(e), _) | (_, Err(e)) => return Err(Error::usage(e.to_string())),
    };
    if opts.format != Format::Raw {
        // Decoded formats are the reading tools on the live pipe: the same output as
        // `knox praudit --live`, `knox json --live` and `knox commands --live`.
        let spec = crate::read::input::LiveSpec {
            flags,
            naflags,
            qlimit: opts.qlimit,
            policy: if opts.format == Format::Commands {
                bsm_io::auditon::Policy::ARGV
            } else {
                bsm_io::auditon::Policy::empty()
            },
            open: crate::read::live::open_stream,
        };
        let reading = Reading {
            inputs: Inputs::files(&[]),
            given: Given::tables(opts.tables.clone()),
        };
        let mut s = reading.settings(env, Tool::Auditpipe, err)?;
        let info = crate::read::pipeline::SourceInfo {
            name: "/dev/auditpipe".into(),
            host: None,
            streaming: true,
            piped: true,
            trail: None,
        };
        s.sources = vec![(crate::read::input::Source::Live(spec), info)];
        return Ok(match opts.format {
            Format::Praudit => {
                super::praudit::print(&s, &Default::default(), env.terminals, out, err)?
            }
            Format::Json => super::records::json_on(&s, out, err)?,
            _ => super::commands::report(&s, crate::output::commands::Options::plain(), out, err)?,
        });
    }
    if env.terminals.stdout {
        return Err(Error::usage(
            "the output is raw BSM; pipe it into `knox praudit` or use --format",
        ));
    }
    let mut pipe = crate::read::live::open_pipe(err)?;
    #[cfg(unix)]
    pipe.stop_on(bsm_io::system::stop_on_signals());
    let (_, decode_errors) = crate::read::auditpipe::stream(
        &mut pipe,
        flags.into(),
        naflags.into(),
        opts.qlimit,
        out,
        err,
    )?;
    Ok(if decode_errors > 0 { 1 } else { 0 })
}

/// Runs `knox auditon`: one action on the kernel's audit settings.
pub fn auditon(
    action: &crate::output::auditon::Action,
    json: bool,
    tables: &TableFiles,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32, Error> {
    if !bsm_io::system::LIVE_SUPPORTED {
        return Err(Error::System(bsm_io::system::UNSUPPORTED.to_string()));
    }
    #[cfg(unix)]
    crate::read::privileges::ensure_root(err).map_err(|e| Error::System(e.to_string()))?;
    let tables = crate::read::settings::Tables::load(tables)?;
    let mut ctl = bsm_io::control::Control {
        k: bsm_io::control::System,
    };
    // Auditing off (macOS 14 and later ship with it off): said first, with how to turn it on;
    // the command goes on, since turning it on may be what it is for.
    if let Some(os) = bsm_io::control::Os::HERE {
        if let Some(note) = bsm_io::control::not_auditing(&ctl.condition(), os) {
            writeln!(err, "knox auditon: note: {note}")?;
        }
    }
    // The kernel's refusals come back as I/O errors: said as the command's error, not as a
    // failed write.
    crate::output::auditon::run(&mut ctl, action, json, &tables.events, &tables.classes, out)
        .map_err(|e| Error::System(e.to_string()))?;
    Ok(0)
}
