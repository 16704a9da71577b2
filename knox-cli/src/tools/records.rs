//! The tools that need no options of their own beyond an output format: `stats`, `json`,
//! `auditreduce` and `verify`.

use std::io::{self, Write};

use super::{names_note, Env, Reading, Tool};
use crate::error::Error;
use crate::read::pipeline::{self, Writer};
use crate::read::settings::Settings;

/// `knox stats`: counts of records, events and tokens, as text or one JSON object.
pub fn stats(
    reading: Reading<'_>,
    json: bool,
    env: &Env,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32, Error> {
    let s = reading.settings(env, Tool::Stats, err)?;
    let mut st = crate::output::stats::Stats::default();
    let problems = pipeline::run(
        &s.sources,
        &s.loop_options(),
        &|| crate::output::stats::Counter::new(&s.filter),
        &mut st,
        err,
    )?;
    // An input that could not be read was said; a summary of nothing would only hide it.
    if problems.nothing_read(s.sources.len()) {
        return Ok(problems.exit_code());
    }
    let mut clock = if json { s.json_clock() } else { s.text_clock() };
    st.finish(&s.events, &mut clock);
    if json {
        serde_json::to_writer_pretty(&mut *out, &st).map_err(io::Error::from)?;
        writeln!(out)?;
    } else {
        crate::output::stats::write_text(&st, out)?;
    }
    out.flush()?;
    Ok(problems.exit_code())
}

/// `knox json`: every record as a line of JSON.
pub fn json(
    reading: Reading<'_>,
    env: &Env,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32, Error> {
    let s = reading.settings(env, Tool::Json, err)?;
    Ok(json_on(&s, out, err)?)
}

/// `knox json` on resolved settings.
pub(super) fn json_on(s: &Settings, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<i32> {
    let problems = pipeline::run(
        &s.sources,
        &s.loop_options(),
        &|| crate::output::json::Lines::new(s.context(), &s.filter),
        &mut Writer { out },
        err,
    )?;
    names_note(s, err)?;
    Ok(problems.exit_code())
}

/// `knox auditreduce`: the selected records, as raw BSM.
pub fn auditreduce(
    reading: Reading<'_>,
    env: &Env,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32, Error> {
    if env.terminals.stdout {
        return Err(Error::usage(
            "the output is raw BSM; pipe it into `knox praudit` or redirect it to a file",
        ));
    }
    let s = reading.settings(env, Tool::Auditreduce, err)?;
    let problems = pipeline::run(
        &s.sources,
        &s.loop_options(),
        &|| crate::output::auditreduce::Select::new(&s.filter),
        &mut Writer { out },
        err,
    )?;
    Ok(problems.exit_code())
}

/// `knox verify`: what a trail's framing says of its integrity (exit 1 on a finding).
pub fn verify(
    reading: Reading<'_>,
    json: bool,
    env: &Env,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32, Error> {
    let s = reading.settings(env, Tool::Verify, err)?;
    let clock = if json { s.json_clock() } else { s.text_clock() };
    let mut report = crate::output::verify::Verify::new(out, json, clock);
    let mut opts = s.loop_options();
    opts.report_problems = false;
    let problems = pipeline::run(
        &s.sources,
        &opts,
        &crate::output::verify::Reader::default,
        &mut report,
        err,
    )?;
    // As for stats: no summary of nothing when no input could be read.
    if !problems.nothing_read(s.sources.len()) {
        report.summary()?;
    }
    Ok(if problems.exit_code() == 2 {
        2
    } else if report.findings() > 0 {
        1
    } else {
        0
    })
}
