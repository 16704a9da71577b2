//! `knox hunt`: Sigma rules over what the records say happened.

use std::io::{self, Write};
use std::path::PathBuf;
use std::time::Duration;

use super::{run_facts, Env, Flushing, Reading, Tool};
use crate::error::Error;
use crate::output::hunt::{Format, Reaction};
use crate::read::settings::Settings;

/// `knox hunt`'s options.
#[derive(Clone, Debug)]
pub struct Options {
    /// Rule files and directories of them.
    pub sigma: Vec<PathBuf>,
    pub format: Format,
    /// Exit 3 when a match of this level or above was found.
    pub fail_on: Option<knox_hunt::Level>,
    /// A shell command run for each match, and how long it may run.
    pub exec: Option<(String, Duration)>,
}

/// The rules, loaded, and how matches are written.
pub struct Rules {
    pub set: knox_hunt::RuleSet,
    pub format: Format,
}

impl Rules {
    /// Loads the rules under `paths`.
    pub fn load(paths: &[PathBuf], format: Format) -> Result<Rules, Error> {
        let set = knox_hunt::RuleSet::load(paths)
            .map_err(|e| Error::Unusable(crate::read::report::io_text(&e)))?;
        Ok(Rules { set, format })
    }
}

/// What a hunt over the inputs found.
pub(super) struct Hunted {
    pub problems: crate::read::report::Problems,
    /// Matches per level.
    counts: [u64; 5],
    worst: Option<knox_hunt::Level>,
    exec: Option<crate::output::hunt::ExecCounts>,
}

/// Evaluates the rules on the settings' inputs, writing matches to `out`.
pub(super) fn hunt_on(
    s: &Settings,
    rules: &Rules,
    reaction: Option<Reaction>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<Hunted> {
    let streaming = s.streaming();
    let mut out = Flushing { out, streaming };
    let mut sink =
        crate::output::hunt::Hunt::new(&rules.set, s.context(), rules.format, &mut out, reaction);
    let problems = run_facts(s, &mut sink, err)?;
    let counts = sink.counts;
    let worst = sink.worst();
    let exec = sink.reaction.as_mut().map(|r| r.finish());
    drop(sink);
    out.out.flush()?;
    Ok(Hunted {
        problems,
        counts,
        worst,
        exec,
    })
}

/// Runs the hunt: says each rule not evaluated, with why, evaluates the others and sums up
/// (exit 2 when a rule is invalid, 3 under `--fail-on` when a match reached its level).
pub fn run(
    reading: Reading<'_>,
    opts: &Options,
    env: &Env,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32, Error> {
    let what = Tool::Hunt.name();
    let rules = Rules::load(&opts.sigma, opts.format)?;
    // Every rule that is not evaluated is said once, with why; rules for other log sources are
    // counted.
    let mut invalid = 0;
    let mut unsupported = 0;
    let mut other = 0;
    for s in &rules.set.skipped {
        let title = s.title.as_deref().unwrap_or("?");
        match &s.why {
            knox_hunt::Skip::OtherLogsource(_) => other += 1,
            knox_hunt::Skip::Unsupported(why) => {
                unsupported += 1;
                writeln!(
                    err,
                    "{what}: rule not evaluated: {} ({title}): {why}",
                    s.path.display()
                )?;
            }
            knox_hunt::Skip::Invalid(why) => {
                invalid += 1;
                writeln!(
                    err,
                    "{what}: invalid rule: {} ({title}): {why}",
                    s.path.display()
                )?;
            }
        }
    }
    if rules.set.rules.is_empty() {
        return Err(Error::usage(
            "no rule to evaluate: BSM records are process_creation, file_event and \
             network_connection logs of product macos or freebsd",
        ));
    }
    let s = reading.settings(env, Tool::Hunt, err)?;
    let reaction = opts
        .exec
        .clone()
        .map(|(command, timeout)| Reaction::start(command, timeout));
    let hunted = hunt_on(&s, &rules, reaction, out, err)?;
    let by_category =
        |c: knox_model::sigma::Category| rules.set.rules.iter().filter(|r| r.category == c).count();
    let levels: Vec<String> = knox_hunt::Level::ALL
        .iter()
        .rev()
        .map(|l| format!("{} {}", l.name(), hunted.counts[*l as usize]))
        .collect();
    writeln!(
        err,
        "{what}: {} rules evaluated ({} process_creation, {} file_event, {} network_connection), \
         {} not evaluated, {} invalid, {} for other log sources; matches: {}",
        rules.set.rules.len(),
        by_category(knox_model::sigma::Category::ProcessCreation),
        by_category(knox_model::sigma::Category::FileEvent),
        by_category(knox_model::sigma::Category::NetworkConnection),
        unsupported,
        invalid,
        other,
        levels.join(", ")
    )?;
    if let Some(c) = hunted.exec {
        writeln!(
            err,
            "{what}: --exec ran {} times: {} failed, {} timed out, {} matches dropped (the queue \
             of {} was full)",
            c.ran,
            c.failed,
            c.timed_out,
            c.dropped,
            crate::output::hunt::EXEC_QUEUE
        )?;
    }
    // Invalid rules were said above, each with why.
    if invalid > 0 {
        return Ok(2);
    }
    if let (Some(min), Some(w)) = (opts.fail_on, hunted.worst) {
        if w >= min {
            return Ok(3);
        }
    }
    Ok(hunted.problems.exit_code())
}
