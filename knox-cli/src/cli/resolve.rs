//! The command line resolved into each tool's plain options (`crate::tools`), once: flags that
//! do not go together are refused here, with why, and no clap type goes further.

use std::path::PathBuf;
use std::time::Duration;

use super::args::*;
use crate::error::Error;
use crate::read::settings::{Given, Inputs};
use crate::tools::{self, Reading};

impl<'a> From<&'a ReadArgs> for Given<'a> {
    fn from(r: &'a ReadArgs) -> Given<'a> {
        Given {
            utc: r.utc,
            json_zone: r.json_zone,
            threads: r.threads,
            batch_bytes: r.batch_bytes,
            host: r.host.as_deref(),
            passwd: r.names.passwd.as_deref(),
            group: r.names.group.as_deref(),
            events: r.events.files(),
            select: r.select.spec(),
            stdin: None,
        }
    }
}

/// Files, directories or stdin, with the reading options.
pub(super) fn files(read: &ReadArgs) -> Reading<'_> {
    Reading {
        inputs: Inputs::files(&read.files),
        given: read.into(),
    }
}

/// The inputs of a command that can also follow trails or read the live pipe, whose `--live`
/// without classes selects `live_classes`.
pub(super) fn streams<'a>(
    stream: &'a StreamArgs,
    read: &'a ReadArgs,
    live_classes: &'static str,
) -> Reading<'a> {
    Reading {
        inputs: Inputs {
            live: stream.live.as_deref().map(|c| (c, live_classes)),
            follow: stream.follow,
            files: &read.files,
        },
        given: read.into(),
    }
}

/// `auditreduce`'s reading options, given in its own flag style.
pub(super) fn reduce(args: &ReduceCmd) -> Reading<'_> {
    Reading {
        inputs: Inputs::files(&args.files),
        given: Given {
            utc: args.utc,
            json_zone: false,
            threads: args.threads,
            batch_bytes: args.batch_bytes,
            host: None,
            passwd: args.names.passwd.as_deref(),
            group: args.names.group.as_deref(),
            events: args.events.files(),
            select: args.select.spec(),
            stdin: None,
        },
    }
}

/// `verify`'s reading options (it selects nothing and names no one).
pub(super) fn verify(args: &VerifyCmd) -> Result<Reading<'_>, Error> {
    json_zone_needs_json(args.json, args.json_zone)?;
    Ok(Reading {
        inputs: Inputs::files(&args.files),
        given: Given {
            utc: args.utc,
            json_zone: args.json_zone,
            threads: args.threads,
            batch_bytes: args.batch_bytes,
            host: args.host.as_deref(),
            ..Given::tables(Default::default())
        },
    })
}

/// `--json-zone` changes the times of JSON output: without JSON output it would do nothing,
/// so it is refused (exit 2) rather than ignored.
pub(super) fn json_zone_needs_json(json: bool, json_zone: bool) -> Result<(), Error> {
    if json_zone && !json {
        return Err(Error::usage(
            "--json-zone changes the times of JSON output: it goes with --json",
        ));
    }
    Ok(())
}

/// praudit's flags.
pub(super) fn praudit(args: &PrauditArgs) -> Result<tools::praudit::Options, Error> {
    json_zone_needs_json(false, args.read.json_zone)?;
    Ok(tools::praudit::Options {
        print: crate::output::praudit::Options {
            oneline: args.oneline,
            raw: args.raw,
            short: args.short,
            xml: args.xml,
            sync: args.sync,
            delim: args
                .delim
                .clone()
                .map(os_bytes)
                .unwrap_or_else(|| b",".to_vec()),
            safe: args.safe,
            ..Default::default()
        },
        numeric: args.numeric,
    })
}

#[cfg(unix)]
fn os_bytes(s: std::ffi::OsString) -> Vec<u8> {
    use std::os::unix::ffi::OsStringExt;
    s.into_vec()
}

#[cfg(not(unix))]
fn os_bytes(s: std::ffi::OsString) -> Vec<u8> {
    s.to_string_lossy().into_owned().into_bytes()
}

/// `knox commands`' report options.
pub(super) fn commands(args: &CommandsCmd) -> Result<crate::output::commands::Options, Error> {
    json_zone_needs_json(args.json, args.read.json_zone)?;
    use crate::output::commands::Which;
    Ok(crate::output::commands::Options {
        long: args.long,
        no_header: args.no_header,
        env: args.env,
        which: if args.all {
            Which::All
        } else if args.failed {
            Which::Failed
        } else {
            Which::Succeeded
        },
        json: args.json,
        pid: args.pid,
    })
}

/// An activity report's options.
pub(super) fn activity(
    a: &ActivityCmd,
    kind: tools::activity::Kind,
) -> Result<tools::activity::Options, Error> {
    json_zone_needs_json(a.json, a.read.json_zone)?;
    Ok(tools::activity::Options {
        kind,
        json: a.json,
        titles: !a.no_header,
        pid: a.pid,
    })
}

/// `knox files`' report: `--path` compiled once.
pub(super) fn files_kind(
    path: Option<&str>,
    by_path: bool,
) -> Result<tools::activity::Kind, Error> {
    let glob = path
        .map(crate::read::glob::glob_regex)
        .transpose()
        .map_err(|e| Error::usage(format!("bad --path: {e}")))?;
    Ok(tools::activity::Kind::Files { glob, by_path })
}

/// The timeline page's options; its title names the inputs.
pub(super) fn timeline(a: &TimelineCmd) -> tools::activity::Timeline {
    let title = a
        .read
        .files
        .iter()
        .map(|f| f.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    tools::activity::Timeline {
        html: a.html.clone(),
        title,
        pid: a.pid,
    }
}

/// How `knox hunt` writes its matches (`--json` is `--format json`).
pub(super) fn hunt_format(args: &HuntCmd) -> crate::output::hunt::Format {
    if args.json {
        return crate::output::hunt::Format::Json;
    }
    match args.format {
        HuntFormat::Text => crate::output::hunt::Format::Text,
        HuntFormat::Json => crate::output::hunt::Format::Json,
        HuntFormat::Ocsf => crate::output::hunt::Format::Ocsf,
    }
}

/// `knox hunt`'s options.
pub(super) fn hunt(args: &HuntCmd) -> tools::hunt::Options {
    tools::hunt::Options {
        sigma: args.sigma.clone(),
        format: hunt_format(args),
        fail_on: args.fail_on,
        exec: args
            .exec
            .clone()
            .map(|c| (c, Duration::from_secs(args.exec_timeout))),
    }
}

/// What `knox export` writes. Options that only Parquet takes are refused with the others, not
/// ignored.
pub(super) fn export(args: &ExportCmd) -> Result<tools::export::Options, Error> {
    use tools::export::Options;
    let format = args.format.unwrap_or(ExportFormat::Ocsf);
    if format != ExportFormat::Parquet {
        let given = [
            ("--to", args.to.is_some()),
            ("--schema", args.schema.is_some()),
        ];
        if let Some((flag, _)) = given.iter().find(|(_, set)| *set) {
            return Err(Error::usage(format!(
                "{flag} goes with --format parquet (ocsf and timesketch write JSON Lines \
                 to stdout: redirect it to a file)"
            )));
        }
    }
    Ok(match format {
        ExportFormat::Ocsf => Options::Ocsf,
        ExportFormat::Timesketch => Options::Timesketch,
        ExportFormat::Parquet => {
            if args.read.json_zone {
                return Err(Error::usage(
                    "--json-zone changes the times of JSON output; Parquet times are UTC \
                     timestamps, which readers show in their own zone",
                ));
            }
            if args.stream.follow || args.stream.live.is_some() {
                return Err(Error::usage(
                    "Parquet files are complete only when the input ends; --follow and --live \
                     go with --format ocsf or timesketch",
                ));
            }
            let to: PathBuf = args
                .to
                .clone()
                .ok_or_else(|| Error::usage("--format parquet writes under --to DIR"))?;
            let table = args.schema.unwrap_or(ExportSchema::Records).into();
            Options::Parquet { to, table }
        }
    })
}

/// `knox auditpipe`'s options.
pub(super) fn auditpipe(args: &AuditpipeCmd) -> Result<tools::live::Pipe, Error> {
    let qlimit = match args.qlimit.as_deref() {
        None => None,
        Some("max") => Some(bsm_io::pipe::QueueLimit::Max),
        Some(n) => match n.parse() {
            Ok(n) => Some(bsm_io::pipe::QueueLimit::Records(n)),
            Err(_) => return Err(Error::usage("--qlimit takes a number or max")),
        },
    };
    Ok(tools::live::Pipe {
        classes: args.classes.clone(),
        naflags: args.naflags.clone(),
        qlimit,
        format: args.format.into(),
        tables: args.events.files(),
    })
}
