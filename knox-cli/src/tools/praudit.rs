//! `knox praudit`: records as OpenBSM's praudit prints them.

use std::io::{self, Write};

use super::{names_note, Env, Reading, Terminals, Tool};
use crate::error::Error;
use crate::read::pipeline::{self, Writer};
use crate::read::settings::Settings;

/// praudit's options.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// How records are printed; its zone is the settings' and its `safe` is on by itself when
    /// stdout is a terminal.
    pub print: crate::output::praudit::Options,
    /// `-n`: user and group ids as numbers (as `-r` prints them).
    pub numeric: bool,
}

/// Runs praudit on its inputs.
pub fn run(
    reading: Reading<'_>,
    opts: &Options,
    env: &Env,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32, Error> {
    let s = reading.settings(env, Tool::Praudit, err)?;
    Ok(print(&s, opts, env.terminals, out, err)?)
}

/// Prints the settings' sources.
pub(super) fn print(
    s: &Settings,
    opts: &Options,
    terminals: Terminals,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<i32> {
    let accounts = if opts.numeric || opts.print.raw {
        crate::read::accounts::Accounts::numeric()
    } else {
        s.accounts.clone()
    };
    let print = crate::output::praudit::Options {
        safe: opts.print.safe || terminals.stdout,
        zone: s.zone,
        ..opts.print.clone()
    };
    let sync = print.sync;
    let mut printer = crate::output::praudit::Printer::new(print, &s.events, accounts);
    printer.set_filter(&s.filter);
    let mut head = Vec::new();
    printer.begin(&mut head);
    out.write_all(&head)?;
    let mut loop_opts = s.loop_options();
    loop_opts.frame.sync_header32 = sync;
    let problems = pipeline::run(
        &s.sources,
        &loop_opts,
        &|| printer.clone(),
        &mut Writer { out: &mut *out },
        err,
    )?;
    names_note(s, err)?;
    let mut tail = Vec::new();
    printer.end(&mut tail);
    out.write_all(&tail)?;
    out.flush()?;
    Ok(problems.exit_code())
}
