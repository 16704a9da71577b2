//! `knox commands`: the command lines that ran.

use std::io::{self, Write};

use super::{run_facts, Env, Reading, Tool};
use crate::error::Error;
use crate::output::commands::Options;
use crate::read::settings::Settings;

/// Runs `knox commands` on its inputs. On the live pipe, the kernel is asked to add argv (and
/// the environment under `--env`) to exec records.
pub fn run(
    reading: Reading<'_>,
    opts: Options,
    env: &Env,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32, Error> {
    let mut s = reading.settings(env, Tool::Commands, err)?;
    for (src, _) in &mut s.sources {
        if let crate::read::input::Source::Live(spec) = src {
            spec.policy = bsm_io::auditon::Policy::ARGV;
            if opts.env {
                spec.policy |= bsm_io::auditon::Policy::ARGE;
            }
        }
    }
    Ok(report(&s, opts, out, err)?)
}

/// The report on resolved settings.
pub(super) fn report(
    s: &Settings,
    opts: Options,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<i32> {
    let mut sink = crate::output::commands::Commands::new(s.context(), opts, out);
    let problems = run_facts(s, &mut sink, err)?;
    if let Some(pid) = sink.pid_missing() {
        writeln!(err, "{}: no process {pid} in the input", s.what)?;
    }
    Ok(problems.exit_code())
}
