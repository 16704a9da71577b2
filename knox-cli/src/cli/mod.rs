//! Running a parsed command: its settings are resolved once ([`crate::settings`]), its records
//! go through the one record loop ([`crate::pipeline`]) into the tool, and the outcome becomes
//! the exit code (0 all decoded, 1 decode errors reported, 2 usage error or unreadable input).

use std::io::{self, Write};
use std::sync::Arc;

use crate::activity::print::{self, Out};
use crate::activity::{Activities, Report};
mod args;
pub mod manpage;
pub mod names;
pub mod select;

use crate::error::Error;
use crate::pipeline::{self, Writer};
use crate::settings::{Given, Inputs, Settings};
pub use args::*;
pub use names::EventOptions;
pub use select::{ReduceArgs, SelectArgs};

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
enum Tool {
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
    fn name(self) -> &'static str {
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

/// Runs a command line (`["knox", "ps", "--json"]`) on `input` in place of stdin, in this
/// process; returns the exit code, stdout and stderr. Tests and fuzzing drive the tools this way.
pub fn run_on_bytes(
    args: &[&str],
    input: &[u8],
) -> Result<(i32, Vec<u8>, Vec<u8>), crate::error::Error> {
    use clap::Parser;
    let cli = Cli::try_parse_from(args).map_err(|e| crate::error::Error::usage(e.to_string()))?;
    let env = Env {
        stdin: Some(input.into()),
        terminals: Terminals::default(),
    };
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = run(cli, &env, &mut out, &mut err)?;
    Ok((code, out, err))
}

/// Runs a command, its output written to `out` and its messages to `err`; returns the exit
/// code (0 all decoded, 1 decode errors reported, 2 usage error or unreadable input). An error
/// is said here, once, after the tool's name; only a failure to write comes back as an error.
pub fn run(cli: Cli, env: &Env, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<i32> {
    let name = cli.command.name();
    outcome(name, dispatch(cli, env, out, err), err)
}

impl Command {
    /// The reading tool the command runs, if it is one.
    fn tool(&self) -> Option<Tool> {
        Some(match self {
            Command::Stats { .. } => Tool::Stats,
            Command::Praudit(_) => Tool::Praudit,
            Command::Auditreduce(_) => Tool::Auditreduce,
            Command::Hunt(_) => Tool::Hunt,
            Command::Verify(_) => Tool::Verify,
            Command::Export(_) => Tool::Export,
            Command::Commands(_) => Tool::Commands,
            Command::Json(_) => Tool::Json,
            Command::Ps { .. } => Tool::Ps,
            Command::Tree(_) => Tool::Tree,
            Command::Errors(_) => Tool::Errors,
            Command::Net(_) => Tool::Net,
            Command::Files { .. } => Tool::Files,
            Command::Timeline(_) => Tool::Timeline,
            Command::Auditpipe(_) => Tool::Auditpipe,
            Command::Auditon { .. } | Command::Completions { .. } | Command::Man => return None,
        })
    }

    /// The command's name at the head of its messages.
    fn name(&self) -> &'static str {
        match (self.tool(), self) {
            (Some(tool), _) => tool.name(),
            (None, Command::Completions { .. }) => "knox completions",
            (None, Command::Man) => "knox man",
            (None, _) => "knox auditon",
        }
    }
}

/// The exit code of a run that ended with `result`, its error said after `name`.
fn outcome(name: &str, result: Result<i32, Error>, err: &mut dyn Write) -> io::Result<i32> {
    match result {
        Ok(code) => Ok(code),
        Err(Error::Io(e)) => Err(e),
        Err(e) => {
            writeln!(err, "{name}: {e}")?;
            Ok(2)
        }
    }
}

fn dispatch(cli: Cli, env: &Env, out: &mut dyn Write, err: &mut dyn Write) -> Result<i32, Error> {
    match cli.command {
        Command::Stats { json, read } => run_stats(json, &read, env, out, err),
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "knox", out);
            Ok(0)
        }
        Command::Man => {
            let cmd = <Cli as clap::CommandFactory>::command();
            manpage::write(&cmd, out)?;
            Ok(0)
        }
        Command::Praudit(args) => praudit_cmd(args, env, out, err),
        Command::Auditreduce(args) => run_auditreduce(args, env, out, err),
        Command::Hunt(args) => run_hunt(args, env, out, err),
        Command::Verify(args) => run_verify(args, env, out, err),
        Command::Export(args) => run_export(args, env, out, err),
        Command::Commands(args) => run_commands(args, env, out, err),
        Command::Json(args) => run_json(args, env, out, err),
        Command::Ps { common, sort } => {
            run_activity(common, Kind::Ps(sort.map(Into::into)), env, out, err)
        }
        Command::Tree(a) => run_activity(a, Kind::Tree, env, out, err),
        Command::Errors(a) => run_activity(a, Kind::Errors, env, out, err),
        Command::Net(a) => run_activity(a, Kind::Net, env, out, err),
        Command::Files {
            common,
            path,
            by_path,
        } => {
            let glob = path
                .as_deref()
                .map(crate::glob::glob_regex)
                .transpose()
                .map_err(|e| Error::usage(format!("bad --path: {e}")))?;
            run_activity(common, Kind::Files { glob, by_path }, env, out, err)
        }
        Command::Timeline(t) => run_timeline(t, env, out, err),
        Command::Auditpipe(args) => run_auditpipe(args, env, out, err),
        Command::Auditon {
            json,
            events,
            action,
        } => run_auditon(json, events, action.into(), out, err),
    }
}

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

/// The inputs of a command that can also follow trails or read the live pipe, whose `--live`
/// without classes selects `live_classes`.
fn stream_inputs<'a>(
    stream: &'a StreamArgs,
    files: &'a [std::path::PathBuf],
    live_classes: &'a str,
) -> Inputs<'a> {
    Inputs {
        live: stream.live.as_deref().map(|c| (c, live_classes)),
        follow: stream.follow,
        files,
    }
}

/// Reads the records' facts (the process model's input) into a sink.
fn run_facts<S>(
    s: &Settings,
    sink: &mut S,
    err: &mut dyn Write,
) -> io::Result<crate::report::Problems>
where
    S: pipeline::Sink<Vec<crate::events::Parsed>> + ?Sized,
{
    let problems = pipeline::run(
        &s.sources,
        &s.loop_options(),
        &|| crate::events::Facts::new(&s.acts, &s.filter),
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

/// `--json-zone` changes the times of JSON output: without JSON output it would do nothing,
/// so it is refused (exit 2) rather than ignored.
fn json_zone_needs_json(json: bool, json_zone: bool) -> Result<(), Error> {
    if json_zone && !json {
        return Err(Error::usage(
            "--json-zone changes the times of JSON output: it goes with --json",
        ));
    }
    Ok(())
}

/// Resolves the settings, saying what they skip and what may surprise (an empty file, a wait on
/// a terminal).
fn settings(
    env: &Env,
    tool: Tool,
    inputs: Inputs<'_>,
    given: Given<'_>,
    err: &mut dyn Write,
) -> Result<Settings, Error> {
    let given = Given {
        stdin: env.stdin.clone(),
        ..given
    };
    let what = tool.name();
    let mut s = Settings::resolve(what, inputs, given)?;
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
            .any(|(src, _)| matches!(src, crate::input::Source::Live(_)))
    {
        crate::privileges::ensure_root(err).map_err(|e| Error::System(e.to_string()))?;
    }
    // praudit says nothing of an empty file or of waiting, as praudit does; the other
    // tools say both.
    let quiet = tool == Tool::Praudit;
    for (src, info) in &s.sources {
        match src {
            crate::input::Source::File(p)
                if !quiet && std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.len() == 0) =>
            {
                writeln!(err, "{what}: {}: empty file (no records)", info.name)?;
            }
            // (Bytes given in place of stdin stand for it.)
            crate::input::Source::Stdin | crate::input::Source::Memory(_)
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

fn run_stats(
    json: bool,
    read: &ReadArgs,
    env: &Env,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32, Error> {
    json_zone_needs_json(json, read.json_zone)?;
    let s = settings(
        env,
        Tool::Stats,
        Inputs::files(&read.files),
        read.into(),
        err,
    )?;
    let mut st = crate::stats::Stats::default();
    let problems = pipeline::run(
        &s.sources,
        &s.loop_options(),
        &|| crate::stats::Counter::new(&s.filter),
        &mut st,
        err,
    )?;
    let mut clock = if json { s.json_clock() } else { s.text_clock() };
    st.finish(&s.events, &mut clock);
    if json {
        serde_json::to_writer_pretty(&mut *out, &st).map_err(io::Error::from)?;
        writeln!(out)?;
    } else {
        crate::stats::write_text(&st, out)?;
    }
    out.flush()?;
    Ok(problems.exit_code())
}

/// Runs `knox praudit` (knox installed as `praudit`); returns the exit code.
pub fn run_praudit(
    args: PrauditArgs,
    env: &Env,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<i32> {
    outcome(Tool::Praudit.name(), praudit_cmd(args, env, out, err), err)
}

fn praudit_cmd(
    args: PrauditArgs,
    env: &Env,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32, Error> {
    json_zone_needs_json(false, args.read.json_zone)?;
    let inputs = stream_inputs(&args.stream, &args.read.files, "all");
    let s = settings(env, Tool::Praudit, inputs, (&args.read).into(), err)?;
    Ok(praudit_on(&s, args, env.terminals, out, err)?)
}

fn praudit_on(
    s: &Settings,
    args: PrauditArgs,
    terminals: Terminals,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<i32> {
    let accounts = if args.numeric || args.raw {
        crate::accounts::Accounts::numeric()
    } else {
        s.accounts.clone()
    };
    let opts = crate::praudit::Options {
        oneline: args.oneline,
        raw: args.raw,
        short: args.short,
        xml: args.xml,
        sync: args.sync,
        delim: args.delim.map(os_bytes).unwrap_or_else(|| b",".to_vec()),
        safe: args.safe || terminals.stdout,
        zone: s.zone,
    };
    let mut printer = crate::praudit::Printer::new(opts, &s.events, accounts);
    printer.set_filter(&s.filter);
    let mut head = Vec::new();
    printer.begin(&mut head);
    out.write_all(&head)?;
    let mut loop_opts = s.loop_options();
    loop_opts.frame.sync_header32 = args.sync;
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

#[cfg(unix)]
fn os_bytes(s: std::ffi::OsString) -> Vec<u8> {
    use std::os::unix::ffi::OsStringExt;
    s.into_vec()
}

#[cfg(not(unix))]
fn os_bytes(s: std::ffi::OsString) -> Vec<u8> {
    s.to_string_lossy().into_owned().into_bytes()
}

fn run_json(
    args: JsonCmd,
    env: &Env,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32, Error> {
    let inputs = stream_inputs(&args.stream, &args.read.files, "all");
    let s = settings(env, Tool::Json, inputs, (&args.read).into(), err)?;
    Ok(json_on(&s, out, err)?)
}

fn json_on(s: &Settings, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<i32> {
    let problems = pipeline::run(
        &s.sources,
        &s.loop_options(),
        &|| crate::json::Lines::new(s.context(), &s.filter),
        &mut Writer { out },
        err,
    )?;
    names_note(s, err)?;
    Ok(problems.exit_code())
}

fn run_auditreduce(
    args: ReduceCmd,
    env: &Env,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32, Error> {
    if env.terminals.stdout {
        return Err(Error::usage(
            "the output is raw BSM; pipe it into `knox praudit` or redirect it to a file",
        ));
    }
    let given = Given {
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
    };
    let s = settings(
        env,
        Tool::Auditreduce,
        Inputs::files(&args.files),
        given,
        err,
    )?;
    let problems = pipeline::run(
        &s.sources,
        &s.loop_options(),
        &|| crate::auditreduce::Select::new(&s.filter),
        &mut Writer { out },
        err,
    )?;
    Ok(problems.exit_code())
}

fn run_export(
    args: ExportCmd,
    env: &Env,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32, Error> {
    use crate::export::{ocsf::Ocsf, timesketch::Timesketch};
    use crate::export::{Fill, Lines, Stream};
    let tool = Tool::Export;
    let what = tool.name();
    if args.ocsf_mapping {
        out.write_all(knox_model::ocsf::markdown().as_bytes())?;
        return Ok(0);
    }
    if args.tables {
        out.write_all(knox_arrow::schema::markdown().as_bytes())?;
        return Ok(0);
    }
    let format = args.format.unwrap_or(ExportFormat::Ocsf);
    // Options that only Parquet takes are refused with the others, not ignored.
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
    if format == ExportFormat::Parquet && args.read.json_zone {
        return Err(Error::usage(
            "--json-zone changes the times of JSON output; Parquet times are UTC \
             timestamps, which readers show in their own zone",
        ));
    }
    if format == ExportFormat::Parquet && (args.stream.follow || args.stream.live.is_some()) {
        return Err(Error::usage(
            "Parquet files are complete only when the input ends; --follow and --live \
             go with --format ocsf or timesketch",
        ));
    }
    let inputs = stream_inputs(&args.stream, &args.read.files, "all");
    let s = settings(env, tool, inputs, (&args.read).into(), err)?;
    fn go<F: crate::export::Format, O: crate::export::Output>(
        format: &F,
        s: &Settings,
        output: O,
        err: &mut dyn Write,
    ) -> io::Result<crate::report::Problems> {
        let progress = crate::progress::Progress::new(&s.sources, s.progress_bar);
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
    let problems = match format {
        ExportFormat::Ocsf => go(&Ocsf, &s, Stream::new(out), err)?,
        ExportFormat::Timesketch => go(&Timesketch, &s, Stream::new(out), err)?,
        ExportFormat::Parquet => {
            let Some(dir) = &args.to else {
                return Err(Error::usage("--format parquet writes under --to DIR"));
            };
            let table: knox_arrow::Table = args.schema.unwrap_or(ExportSchema::Records).into();
            let output = knox_arrow::parquet::Partitions::new(dir, table, s.threads)
                .map_err(|e| Error::Unusable(e.to_string()))?;
            let mut opts = knox_arrow::Options::new(table, s.events.clone(), s.accounts.clone());
            // Each token type, each OCSF class in its own partitions, with its own columns.
            opts.split = true;
            let filter = s.filter.clone();
            if !filter.selects_all() {
                opts.select = Some(std::sync::Arc::new(move |r: &bsm_format::Record<'_>| {
                    filter.matches(r)
                }));
            }
            let output = crate::progress::Watched {
                inner: output,
                progress: crate::progress::Progress::new(&s.sources, s.progress_bar),
            };
            let (problems, sink) =
                knox_arrow::run(&s.sources, &opts, &s.loop_options(), output, err)?;
            names_note(&s, err)?;
            writeln!(
                err,
                "{what}: {} rows in {} files under {}",
                sink.output.inner.rows,
                sink.output.inner.files(),
                dir.display()
            )?;
            problems
        }
    };
    Ok(problems.exit_code())
}

fn run_verify(
    args: VerifyCmd,
    env: &Env,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32, Error> {
    json_zone_needs_json(args.json, args.json_zone)?;
    let events = knox_read::tables::TableFiles::default();
    let given = Given {
        utc: args.utc,
        json_zone: args.json_zone,
        threads: args.threads,
        batch_bytes: args.batch_bytes,
        host: args.host.as_deref(),
        passwd: None,
        group: None,
        events,
        select: Default::default(),
        stdin: None,
    };
    let s = settings(env, Tool::Verify, Inputs::files(&args.files), given, err)?;
    let clock = if args.json {
        s.json_clock()
    } else {
        s.text_clock()
    };
    let mut report = crate::verify::Verify::new(out, args.json, clock);
    let mut opts = s.loop_options();
    opts.report_problems = false;
    let problems = pipeline::run(
        &s.sources,
        &opts,
        &crate::verify::Reader::default,
        &mut report,
        err,
    )?;
    Ok(if problems.exit_code() == 2 {
        2
    } else if report.findings() > 0 {
        1
    } else {
        0
    })
}

fn run_commands(
    args: CommandsCmd,
    env: &Env,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32, Error> {
    json_zone_needs_json(args.json, args.read.json_zone)?;
    let inputs = stream_inputs(&args.stream, &args.read.files, "ex");
    let s = settings(env, Tool::Commands, inputs, (&args.read).into(), err)?;
    let mut s = s;
    for (src, _) in &mut s.sources {
        if let crate::input::Source::Live(spec) = src {
            spec.policy = bsm_io::auditon::Policy::ARGV;
            if args.env {
                spec.policy |= bsm_io::auditon::Policy::ARGE;
            }
        }
    }
    Ok(commands_on(&s, commands_options(&args), out, err)?)
}

/// `knox commands`' report options.
fn commands_options(args: &CommandsCmd) -> crate::commands::Options {
    crate::commands::Options {
        long: args.long,
        no_header: args.no_header,
        env: args.env,
        which: if args.all {
            crate::commands::Which::All
        } else if args.failed {
            crate::commands::Which::Failed
        } else {
            crate::commands::Which::Succeeded
        },
        json: args.json,
        pid: args.pid,
    }
}

fn commands_on(
    s: &Settings,
    opts: crate::commands::Options,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<i32> {
    let mut sink = crate::commands::Commands::new(s.context(), opts, out);
    let problems = run_facts(s, &mut sink, err)?;
    if let Some(pid) = sink.pid_missing() {
        writeln!(err, "knox commands: no process {pid} in the input")?;
    }
    Ok(problems.exit_code())
}

/// The reports built on the activity model.
#[derive(Clone)]
enum Kind {
    Ps(Option<crate::activity::print::PsSort>),
    Tree,
    Errors,
    Net,
    Files {
        glob: Option<regex::bytes::Regex>,
        by_path: bool,
    },
}

impl Kind {
    fn tool(&self) -> Tool {
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
    fn live_classes(&self) -> &'static str {
        match self {
            Kind::Ps(_) => "pc,ex,fr,fw,fc,fd,fm,nt,-all",
            Kind::Tree => "pc,ex",
            Kind::Errors => "pc,ex,-all",
            Kind::Net => "pc,ex,nt",
            Kind::Files { .. } => "pc,ex,fr,fw,fc,fd,fm",
        }
    }
}

fn activity_inputs<'a>(a: &'a ActivityCmd, live_classes: &'static str) -> Inputs<'a> {
    stream_inputs(&a.stream, &a.read.files, live_classes)
}

/// Runs the records through the activity model into a report.
fn run_report(
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

/// Runs `knox ps`, `tree`, `files`, `errors` or `net`.
fn run_activity(
    a: ActivityCmd,
    kind: Kind,
    env: &Env,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32, Error> {
    let tool = kind.tool();
    json_zone_needs_json(a.json, a.read.json_zone)?;
    let s = settings(
        env,
        tool,
        activity_inputs(&a, kind.live_classes()),
        (&a.read).into(),
        err,
    )?;
    Ok(activity_on(&s, &a, &kind, out, err)?)
}

/// Runs an activity report on resolved settings.
fn activity_on(
    s: &Settings,
    a: &ActivityCmd,
    kind: &Kind,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<i32> {
    // Followed and live input is printed as it comes, not when a buffer fills.
    let streaming = s.streaming();
    let mut out = Flushing { out, streaming };
    let o = Out::new(&mut out, a.json, s.context()).titles(!a.no_header);
    let mut report: Box<dyn Report + '_> = match kind {
        Kind::Ps(sort) => {
            let default = if streaming {
                print::PsSort::Exit
            } else {
                print::PsSort::Start
            };
            Box::new(print::Ps::new(o, sort.unwrap_or(default)))
        }
        Kind::Tree => Box::new(crate::activity::tree::Tree::new(o, streaming)),
        Kind::Errors => Box::new(print::Errors::new(o)),
        Kind::Net => Box::new(print::Net::new(o)),
        Kind::Files { glob, by_path } => Box::new(print::Files::new(o, glob.clone(), *by_path)),
    };
    let (code, _) = run_report(s, a.pid, &mut *report, err)?;
    drop(report);
    out.out.flush()?;
    Ok(code)
}

/// A writer that flushes after each line when the input streams.
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

fn run_timeline(
    a: TimelineCmd,
    env: &Env,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32, Error> {
    let tool = Tool::Timeline;
    let s = settings(
        env,
        tool,
        Inputs::files(&a.read.files),
        (&a.read).into(),
        err,
    )?;
    let title = a
        .read
        .files
        .iter()
        .map(|f| f.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let to_stdout = a.html.as_os_str() == "-";
    let mut file: Box<dyn Write> = if to_stdout {
        Box::new(&mut *out)
    } else {
        let f = std::fs::File::create(&a.html).map_err(|e| {
            let path = a.html.display();
            Error::Unusable(format!(
                "cannot write the page {path}: {}",
                crate::report::io_text(&e)
            ))
        })?;
        Box::new(io::BufWriter::new(f))
    };
    let mut page = crate::timeline::Timeline::new(&mut file, title, s.zone);
    let (code, dropped) = run_report(&s, a.pid, &mut page, err)?;
    page.dropped += dropped;
    page.write()?;
    file.flush()?;
    Ok(code)
}

fn run_auditpipe(
    args: AuditpipeCmd,
    env: &Env,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32, Error> {
    use PipeFormat as Format;
    let tool = Tool::Auditpipe;
    let classes = args
        .events
        .load_classes()
        .map_err(|e| Error::Unusable(format!("class table: {}", crate::report::io_text(&e))))?;
    let parse = |s: &str| bsm_format::tables::parse_flags(s, &classes);
    let (flags, naflags) = match (
        parse(&args.classes),
        args.naflags.as_deref().map(parse).transpose(),
    ) {
        (Ok(f), Ok(n)) => (f, n.unwrap_or_default()),
        (Err(e), _) | (_, Err(e)) => return Err(Error::usage(e.to_string())),
    };
    let qlimit = match args.qlimit.as_deref() {
        None => None,
        Some("max") => Some(bsm_io::pipe::QueueLimit::Max),
        Some(n) => match n.parse() {
            Ok(n) => Some(bsm_io::pipe::QueueLimit::Records(n)),
            Err(_) => return Err(Error::usage("--qlimit takes a number or max")),
        },
    };
    if args.format != Format::Raw {
        // Decoded formats are the reading tools on the live pipe: the same output as
        // `knox praudit --live`, `knox json --live` and `knox commands --live`.
        let spec = crate::input::LiveSpec {
            flags,
            naflags,
            qlimit,
            policy: if args.format == Format::Commands {
                bsm_io::auditon::Policy::ARGV
            } else {
                bsm_io::auditon::Policy::empty()
            },
            open: crate::live::open_stream,
        };
        let read = ReadArgs {
            utc: false,
            json_zone: false,
            threads: Some(1),
            host: None,
            batch_bytes: None,
            names: NameFiles {
                passwd: None,
                group: None,
            },
            events: args.events.clone(),
            select: Default::default(),
            files: Vec::new(),
        };
        let mut s = settings(env, tool, Inputs::files(&[]), (&read).into(), err)?;
        let info = pipeline::SourceInfo {
            name: "/dev/auditpipe".into(),
            host: None,
            streaming: true,
            piped: true,
            trail: None,
        };
        s.sources = vec![(crate::input::Source::Live(spec), info)];
        return Ok(match args.format {
            Format::Praudit => praudit_on(&s, PrauditArgs::plain(read), env.terminals, out, err)?,
            Format::Json => json_on(&s, out, err)?,
            _ => commands_on(&s, crate::commands::Options::plain(), out, err)?,
        });
    }
    if env.terminals.stdout {
        return Err(Error::usage(
            "the output is raw BSM; pipe it into `knox praudit` or use --format",
        ));
    }
    let mut pipe = crate::live::open_pipe(err)?;
    #[cfg(unix)]
    pipe.stop_on(bsm_io::system::stop_on_signals());
    let (_, decode_errors) =
        crate::auditpipe::stream(&mut pipe, flags.into(), naflags.into(), qlimit, out, err)?;
    Ok(if decode_errors > 0 { 1 } else { 0 })
}

fn run_auditon(
    json: bool,
    events: EventOptions,
    action: crate::auditon::Action,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32, Error> {
    if !bsm_io::system::LIVE_SUPPORTED {
        return Err(Error::System(bsm_io::system::UNSUPPORTED.to_string()));
    }
    #[cfg(unix)]
    crate::privileges::ensure_root(err).map_err(|e| Error::System(e.to_string()))?;
    let tables = crate::settings::Tables::load(&events.files())?;
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
    crate::auditon::run(
        &mut ctl,
        &action,
        json,
        &tables.events,
        &tables.classes,
        out,
    )
    .map_err(|e| Error::System(e.to_string()))?;
    Ok(0)
}

fn hunt_format(args: &HuntCmd) -> crate::hunt::Format {
    if args.json {
        return crate::hunt::Format::Json;
    }
    match args.format {
        HuntFormat::Text => crate::hunt::Format::Text,
        HuntFormat::Json => crate::hunt::Format::Json,
        HuntFormat::Ocsf => crate::hunt::Format::Ocsf,
    }
}

/// What a hunt over the inputs found.
struct Hunted {
    problems: crate::report::Problems,
    /// Matches per level.
    counts: [u64; 5],
    worst: Option<knox_hunt::Level>,
    exec: Option<crate::hunt::ExecCounts>,
}

/// Evaluates the rules on the settings' inputs, writing matches to `out`.
fn hunt_on(
    s: &Settings,
    rules: &knox_hunt::RuleSet,
    format: crate::hunt::Format,
    reaction: Option<crate::hunt::Reaction>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<Hunted> {
    let streaming = s.streaming();
    let mut out = Flushing { out, streaming };
    let mut sink = crate::hunt::Hunt::new(rules, s.context(), format, &mut out, reaction);
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

fn run_hunt(
    args: HuntCmd,
    env: &Env,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32, Error> {
    let tool = Tool::Hunt;
    let what = tool.name();
    if args.fields {
        out.write_all(knox_model::sigma::markdown().as_bytes())?;
        return Ok(0);
    }
    let format = hunt_format(&args);
    let rules = knox_hunt::RuleSet::load(&args.sigma)
        .map_err(|e| Error::Unusable(crate::report::io_text(&e)))?;
    // Every rule that is not evaluated is said once, with why; rules for other log sources are
    // counted.
    let mut invalid = 0;
    let mut unsupported = 0;
    let mut other = 0;
    for s in &rules.skipped {
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
    if rules.rules.is_empty() {
        return Err(Error::usage(
            "no rule to evaluate: BSM records are process_creation, file_event and \
             network_connection logs of product macos or freebsd",
        ));
    }
    let inputs = stream_inputs(&args.stream, &args.read.files, "ex,fc,fw,fd,cl,nt");
    let s = settings(env, tool, inputs, (&args.read).into(), err)?;
    let reaction = args.exec.clone().map(|c| {
        crate::hunt::Reaction::start(c, std::time::Duration::from_secs(args.exec_timeout))
    });
    let hunted = hunt_on(&s, &rules, format, reaction, out, err)?;
    let (problems, counts, worst, exec) =
        (hunted.problems, hunted.counts, hunted.worst, hunted.exec);
    let by_category =
        |c: knox_model::sigma::Category| rules.rules.iter().filter(|r| r.category == c).count();
    let levels: Vec<String> = knox_hunt::Level::ALL
        .iter()
        .rev()
        .map(|l| format!("{} {}", l.name(), counts[*l as usize]))
        .collect();
    writeln!(
        err,
        "{what}: {} rules evaluated ({} process_creation, {} file_event, {} network_connection), \
         {} not evaluated, {} invalid, {} for other log sources; matches: {}",
        rules.rules.len(),
        by_category(knox_model::sigma::Category::ProcessCreation),
        by_category(knox_model::sigma::Category::FileEvent),
        by_category(knox_model::sigma::Category::NetworkConnection),
        unsupported,
        invalid,
        other,
        levels.join(", ")
    )?;
    if let Some(c) = exec {
        writeln!(
            err,
            "{what}: --exec ran {} times: {} failed, {} timed out, {} matches dropped (the queue \
             of {} was full)",
            c.ran,
            c.failed,
            c.timed_out,
            c.dropped,
            crate::hunt::EXEC_QUEUE
        )?;
    }
    // Invalid rules were said above, each with why.
    if invalid > 0 {
        return Ok(2);
    }
    if let (Some(min), Some(w)) = (args.fail_on, worst) {
        if w >= min {
            return Ok(3);
        }
    }
    Ok(problems.exit_code())
}

/// A reading tool's command line, parsed and resolved once, run on one input after another:
/// what the fuzz targets do, so that an input costs the tool's own work, not the command line's
/// parsing and the tables' loading.
pub struct Prepared {
    command: Command,
    kind: Option<Kind>,
    settings: Settings,
    /// `hunt`'s rules, loaded once.
    rules: Option<knox_hunt::RuleSet>,
}

impl Prepared {
    /// Prepares `praudit`, `json`, `commands`, `ps`, `tree`, `files`, `errors`, `net` or `hunt`
    /// (without `--exec`) with these arguments (`["knox", "json", "-j", "1"]`); the input comes with each run.
    pub fn new(args: &[&str]) -> Result<Prepared, Error> {
        use clap::Parser;
        let cli = Cli::try_parse_from(args).map_err(|e| Error::usage(e.to_string()))?;
        let (kind, read): (Option<Kind>, &ReadArgs) = match &cli.command {
            Command::Praudit(a) => (None, &a.read),
            Command::Json(a) => (None, &a.read),
            Command::Commands(a) => (None, &a.read),
            Command::Ps { common, sort } => (Some(Kind::Ps(sort.map(Into::into))), &common.read),
            Command::Tree(a) => (Some(Kind::Tree), &a.read),
            Command::Errors(a) => (Some(Kind::Errors), &a.read),
            Command::Net(a) => (Some(Kind::Net), &a.read),
            Command::Hunt(a) => (None, &a.read),
            Command::Files {
                common, by_path, ..
            } => (
                Some(Kind::Files {
                    glob: None,
                    by_path: *by_path,
                }),
                &common.read,
            ),
            _ => return Err(Error::usage("not a reading tool")),
        };
        // Every arm above is a reading tool.
        let tool = cli
            .command
            .tool()
            .ok_or_else(|| Error::usage("not a reading tool"))?;
        let no_input = Inputs::files(&[]);
        let settings = settings(
            &Env::default(),
            tool,
            no_input,
            read.into(),
            &mut io::sink(),
        )?;
        let rules = match &cli.command {
            Command::Hunt(a) => {
                let rules = knox_hunt::RuleSet::load(&a.sigma);
                Some(rules.map_err(|e| Error::Unusable(crate::report::io_text(&e)))?)
            }
            _ => None,
        };
        Ok(Prepared {
            command: cli.command,
            kind,
            settings,
            rules,
        })
    }

    /// Runs the tool on `input` (read as stdin would be); returns the exit code, stdout and
    /// stderr.
    pub fn run(&mut self, input: &[u8]) -> io::Result<(i32, Vec<u8>, Vec<u8>)> {
        let source = crate::input::Source::Memory(input.into());
        let info = pipeline::SourceInfo {
            name: "-".into(),
            host: None,
            streaming: false,
            piped: false,
            trail: None,
        };
        self.settings.sources = vec![(source, info)];
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let s = &self.settings;
        let code = match (&self.command, &self.kind) {
            (Command::Praudit(a), _) => {
                praudit_on(s, a.clone(), Terminals::default(), &mut out, &mut err)?
            }
            (Command::Json(_), _) => json_on(s, &mut out, &mut err)?,
            (Command::Commands(a), _) => commands_on(s, commands_options(a), &mut out, &mut err)?,
            (Command::Hunt(a), _) => match &self.rules {
                Some(rules) => hunt_on(s, rules, hunt_format(a), None, &mut out, &mut err)?
                    .problems
                    .exit_code(),
                None => 2,
            },
            (Command::Ps { common: a, .. }, Some(k))
            | (Command::Tree(a), Some(k))
            | (Command::Errors(a), Some(k))
            | (Command::Net(a), Some(k))
            | (Command::Files { common: a, .. }, Some(k)) => {
                activity_on(s, a, k, &mut out, &mut err)?
            }
            _ => 2,
        };
        Ok((code, out, err))
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn command_lines_are_consistent() {
        super::Cli::command().debug_assert();
        super::PrauditCli::command().debug_assert();
    }
}
