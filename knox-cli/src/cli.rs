//! Running a parsed command: its settings are resolved once ([`crate::settings`]), its records
//! go through the one record loop ([`crate::pipeline`]) into the tool, and the outcome becomes
//! the exit code (0 all decoded, 1 decode errors reported, 2 usage error or unreadable input).

use std::io::{self, IsTerminal, Write};

use crate::activity::print::{self, Out};
use crate::activity::{Activities, Report};
pub use crate::args::*;
use crate::pipeline::{self, Writer};
use crate::settings::{Given, Inputs, Settings};

/// Whether the process's stdout is a terminal: set by the binary only (in-process runs write
/// to buffers, whatever the test harness's stdout is).
static STDOUT_TERMINAL: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Tells the tools that stdout is a terminal (`knox praudit` then shows control characters).
pub fn set_stdout_terminal(yes: bool) {
    STDOUT_TERMINAL.store(yes, std::sync::atomic::Ordering::Relaxed);
}

fn stdout_is_terminal() -> bool {
    STDOUT_TERMINAL.load(std::sync::atomic::Ordering::Relaxed)
}

/// Runs a command, messages to stderr; returns the exit code.
pub fn run(cli: Cli, out: &mut dyn Write) -> io::Result<i32> {
    let stderr = io::stderr();
    run_with(cli, out, &mut stderr.lock())
}

/// Runs a command line (`["knox", "ps", "--json"]`) on `input` in place of stdin, in this
/// process; returns the exit code, stdout and stderr. Tests and fuzzing drive the tools this way.
pub fn run_on_bytes(args: &[&str], input: &[u8]) -> Result<(i32, Vec<u8>, Vec<u8>), String> {
    use clap::Parser;
    let mut cli = Cli::try_parse_from(args).map_err(|e| e.to_string())?;
    cli.command.set_stdin(input.into());
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = run_with(cli, &mut out, &mut err).map_err(|e| e.to_string())?;
    Ok((code, out, err))
}

/// Runs a command with its messages written to `err`; returns the exit code.
pub fn run_with(cli: Cli, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<i32> {
    match cli.command {
        Command::Stats { json, read } => run_stats(json, &read, out, err),
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "knox", out);
            Ok(0)
        }
        Command::Man => {
            let cmd = <Cli as clap::CommandFactory>::command();
            crate::manpage::write(&cmd, out)?;
            Ok(0)
        }
        Command::Praudit(args) => run_praudit_with(args, out, err),
        Command::Auditreduce(args) => run_auditreduce(args, out, err),
        Command::Hunt(args) => run_hunt(args, out, err),
        Command::Verify(args) => run_verify(args, out, err),
        Command::Export(args) => run_export(args, out, err),
        Command::Commands(args) => run_commands(args, out, err),
        Command::Json(args) => run_json(args, out, err),
        Command::Ps { common, sort } => run_activity(common, Kind::Ps(sort), out, err),
        Command::Tree(a) => run_activity(a, Kind::Tree, out, err),
        Command::Errors(a) => run_activity(a, Kind::Errors, out, err),
        Command::Net(a) => run_activity(a, Kind::Net, out, err),
        Command::Files {
            common,
            path,
            by_path,
        } => {
            let glob = match path.as_deref().map(crate::glob::glob_regex).transpose() {
                Ok(g) => g,
                Err(e) => {
                    writeln!(err, "knox files: bad --path: {e}")?;
                    return Ok(2);
                }
            };
            run_activity(common, Kind::Files { glob, by_path }, out, err)
        }
        Command::Timeline(t) => run_timeline(t, out, err),
        Command::Auditpipe(args) => run_auditpipe(args, out, err),
        Command::Auditon {
            json,
            events,
            action,
        } => run_auditon(json, events, action, out, err),
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
fn json_zone_needs_json(
    what: &str,
    json: bool,
    json_zone: bool,
    err: &mut dyn Write,
) -> io::Result<bool> {
    if json_zone && !json {
        writeln!(
            err,
            "{what}: --json-zone changes the times of JSON output: it goes with --json"
        )?;
        return Ok(false);
    }
    Ok(true)
}

/// Resolves the settings, or reports the usage error.
fn settings(
    what: &'static str,
    inputs: Inputs<'_>,
    given: Given<'_>,
    err: &mut dyn Write,
) -> io::Result<Option<Settings>> {
    match Settings::resolve(what, inputs, given) {
        Ok(s) => {
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
                if let Err(e) = crate::privileges::ensure_root(err) {
                    writeln!(err, "{what}: {e}")?;
                    return Ok(None);
                }
            }
            // praudit says nothing of an empty file or of waiting, as praudit does; the other
            // tools say both.
            let quiet = what == "knox praudit";
            for (src, info) in &s.sources {
                match src {
                    crate::input::Source::File(p)
                        if !quiet
                            && std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.len() == 0) =>
                    {
                        writeln!(err, "{what}: {}: empty file (no records)", info.name)?;
                    }
                    crate::input::Source::Stdin if !quiet && io::stdin().is_terminal() => {
                        writeln!(
                            err,
                            "{what}: reading BSM from stdin (a terminal): give trail files or \
                             directories, or pipe a trail in (Ctrl-D ends)"
                        )?;
                    }
                    _ => {}
                }
            }
            Ok(Some(s))
        }
        Err(e) => {
            writeln!(err, "{what}: {e}")?;
            Ok(None)
        }
    }
}

fn run_stats(
    json: bool,
    read: &ReadArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<i32> {
    if !json_zone_needs_json("knox stats", json, read.json_zone, err)? {
        return Ok(2);
    }
    let Some(s) = settings("knox stats", Inputs::files(&read.files), read.into(), err)? else {
        return Ok(2);
    };
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
        serde_json::to_writer_pretty(&mut *out, &st)?;
        writeln!(out)?;
    } else {
        crate::stats::write_text(&st, out)?;
    }
    out.flush()?;
    Ok(problems.exit_code())
}

/// Runs `knox praudit`; returns the exit code.
pub fn run_praudit(args: PrauditArgs, out: &mut dyn Write) -> io::Result<i32> {
    let stderr = io::stderr();
    run_praudit_with(args, out, &mut stderr.lock())
}

fn run_praudit_with(
    args: PrauditArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<i32> {
    if !json_zone_needs_json("knox praudit", false, args.read.json_zone, err)? {
        return Ok(2);
    }
    let inputs = Inputs::of(&args.stream, &args.read.files, "all");
    let Some(s) = settings("knox praudit", inputs, (&args.read).into(), err)? else {
        return Ok(2);
    };
    praudit_on(&s, args, out, err)
}

fn praudit_on(
    s: &Settings,
    args: PrauditArgs,
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
        safe: args.safe || stdout_is_terminal(),
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

fn run_json(args: JsonCmd, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<i32> {
    let inputs = Inputs::of(&args.stream, &args.read.files, "all");
    let Some(s) = settings("knox json", inputs, (&args.read).into(), err)? else {
        return Ok(2);
    };
    json_on(&s, out, err)
}

fn json_on(s: &Settings, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<i32> {
    let problems = pipeline::run(
        &s.sources,
        &s.loop_options(),
        &|| crate::json::Lines::new(s),
        &mut Writer { out },
        err,
    )?;
    names_note(s, err)?;
    Ok(problems.exit_code())
}

fn run_auditreduce(args: ReduceCmd, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<i32> {
    if io::stdout().is_terminal() {
        writeln!(
            err,
            "knox auditreduce: the output is raw BSM; pipe it into `knox praudit` or redirect it to a file"
        )?;
        return Ok(2);
    }
    let given = Given {
        utc: args.utc,
        json_zone: false,
        threads: args.threads,
        batch_bytes: args.batch_bytes,
        host: None,
        passwd: args.names.passwd.as_deref(),
        group: args.names.group.as_deref(),
        events: &args.events,
        select: args.select.spec(),
        stdin: args.stdin.clone(),
    };
    let Some(s) = settings("knox auditreduce", Inputs::files(&args.files), given, err)? else {
        return Ok(2);
    };
    let problems = pipeline::run(
        &s.sources,
        &s.loop_options(),
        &|| crate::auditreduce::Select::new(&s.filter),
        &mut Writer { out },
        err,
    )?;
    Ok(problems.exit_code())
}

fn run_export(args: ExportCmd, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<i32> {
    use crate::export::{ocsf::Ocsf, timesketch::Timesketch};
    use crate::export::{Fill, Lines, Stream};
    let what = "knox export";
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
            writeln!(
                err,
                "{what}: {flag} goes with --format parquet (ocsf and timesketch write JSON Lines \
                 to stdout: redirect it to a file)"
            )?;
            return Ok(2);
        }
    }
    if format == ExportFormat::Parquet && args.read.json_zone {
        writeln!(
            err,
            "{what}: --json-zone changes the times of JSON output; Parquet times are UTC \
             timestamps, which readers show in their own zone"
        )?;
        return Ok(2);
    }
    if format == ExportFormat::Parquet && (args.stream.follow || args.stream.live.is_some()) {
        writeln!(
            err,
            "{what}: Parquet files are complete only when the input ends; --follow and --live \
             go with --format ocsf or timesketch"
        )?;
        return Ok(2);
    }
    let inputs = Inputs::of(&args.stream, &args.read.files, "all");
    let Some(s) = settings(what, inputs, (&args.read).into(), err)? else {
        return Ok(2);
    };
    fn go<F: crate::export::Format, O: crate::export::Output>(
        format: &F,
        s: &Settings,
        output: O,
        err: &mut dyn Write,
    ) -> io::Result<crate::report::Problems> {
        let mut sink = Fill::new(format, s, output);
        let problems = pipeline::run(
            &s.sources,
            &s.loop_options(),
            &|| Lines::new(format, s),
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
                writeln!(err, "{what}: --format parquet writes under --to DIR")?;
                return Ok(2);
            };
            let table: knox_arrow::Table = args.schema.unwrap_or(ExportSchema::Records).into();
            let output = match knox_arrow::parquet::Partitions::new(dir, table, s.threads) {
                Ok(o) => o,
                Err(e) => {
                    writeln!(err, "{what}: {e}")?;
                    return Ok(2);
                }
            };
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
                progress: crate::progress::Progress::new(&s.sources),
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

fn run_verify(args: VerifyCmd, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<i32> {
    if !json_zone_needs_json("knox verify", args.json, args.json_zone, err)? {
        return Ok(2);
    }
    let events = crate::names::EventOptions::default();
    let given = Given {
        utc: args.utc,
        json_zone: args.json_zone,
        threads: args.threads,
        batch_bytes: args.batch_bytes,
        host: args.host.as_deref(),
        passwd: None,
        group: None,
        events: &events,
        select: Default::default(),
        stdin: args.stdin.clone(),
    };
    let Some(s) = settings("knox verify", Inputs::files(&args.files), given, err)? else {
        return Ok(2);
    };
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

fn run_commands(args: CommandsCmd, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<i32> {
    if !json_zone_needs_json("knox commands", args.json, args.read.json_zone, err)? {
        return Ok(2);
    }
    let inputs = Inputs::of(&args.stream, &args.read.files, "ex");
    let Some(s) = settings("knox commands", inputs, (&args.read).into(), err)? else {
        return Ok(2);
    };
    let mut s = s;
    for (src, _) in &mut s.sources {
        if let crate::input::Source::Live(spec) = src {
            spec.policy = bsm_io::auditon::Policy::ARGV;
            if args.env {
                spec.policy |= bsm_io::auditon::Policy::ARGE;
            }
        }
    }
    commands_on(&s, commands_options(&args), out, err)
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
    let mut sink = crate::commands::Commands::new(s, opts, out);
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
    fn name(&self) -> &'static str {
        match self {
            Kind::Ps(_) => "knox ps",
            Kind::Tree => "knox tree",
            Kind::Errors => "knox errors",
            Kind::Net => "knox net",
            Kind::Files { .. } => "knox files",
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
    Inputs::of(&a.stream, &a.read.files, live_classes)
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
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<i32> {
    let what = kind.name();
    if !json_zone_needs_json(what, a.json, a.read.json_zone, err)? {
        return Ok(2);
    }
    let Some(s) = settings(
        what,
        activity_inputs(&a, kind.live_classes()),
        (&a.read).into(),
        err,
    )?
    else {
        return Ok(2);
    };
    activity_on(&s, &a, &kind, out, err)
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
    let o = Out::new(&mut out, a.json, s).titles(!a.no_header);
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

fn run_timeline(a: TimelineCmd, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<i32> {
    let what = "knox timeline";
    let Some(s) = settings(what, Inputs::files(&a.read.files), (&a.read).into(), err)? else {
        return Ok(2);
    };
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
        match std::fs::File::create(&a.html) {
            Ok(f) => Box::new(io::BufWriter::new(f)),
            Err(e) => {
                writeln!(
                    err,
                    "{what}: {}",
                    crate::report::unreadable(&a.html.display().to_string(), &e)
                )?;
                return Ok(2);
            }
        }
    };
    let mut page = crate::timeline::Timeline::new(&mut file, title, s.zone);
    let (code, dropped) = run_report(&s, a.pid, &mut page, err)?;
    page.dropped += dropped;
    page.write()?;
    file.flush()?;
    Ok(code)
}

fn run_auditpipe(args: AuditpipeCmd, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<i32> {
    use crate::auditpipe::Format;
    let what = "knox auditpipe";
    let classes = match args.events.load_classes() {
        Ok(c) => c,
        Err(e) => {
            writeln!(err, "{what}: class table: {}", crate::report::io_text(&e))?;
            return Ok(2);
        }
    };
    let parse = |s: &str| bsm_format::tables::parse_flags(s, &classes);
    let (flags, naflags) = match (
        parse(&args.classes),
        args.naflags.as_deref().map(parse).transpose(),
    ) {
        (Ok(f), Ok(n)) => (f, n.unwrap_or_default()),
        (Err(e), _) | (_, Err(e)) => {
            writeln!(err, "{what}: {e}")?;
            return Ok(2);
        }
    };
    let qlimit = match args.qlimit.as_deref() {
        None => None,
        Some("max") => Some(bsm_io::pipe::QueueLimit::Max),
        Some(n) => match n.parse() {
            Ok(n) => Some(bsm_io::pipe::QueueLimit::Records(n)),
            Err(_) => {
                writeln!(err, "{what}: --qlimit takes a number or max")?;
                return Ok(2);
            }
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
            stdin: None,
        };
        let Some(mut s) = settings(what, Inputs::files(&[]), (&read).into(), err)? else {
            return Ok(2);
        };
        let info = pipeline::SourceInfo {
            name: "/dev/auditpipe".into(),
            host: None,
            streaming: true,
            piped: true,
            trail: None,
        };
        s.sources = vec![(crate::input::Source::Live(spec), info)];
        return match args.format {
            Format::Praudit => praudit_on(&s, PrauditArgs::plain(read), out, err),
            Format::Json => json_on(&s, out, err),
            _ => commands_on(&s, crate::commands::Options::plain(), out, err),
        };
    }
    if io::stdout().is_terminal() {
        writeln!(
            err,
            "{what}: the output is raw BSM; pipe it into `knox praudit` or use --format"
        )?;
        return Ok(2);
    }
    let mut pipe = match crate::live::open_pipe(err) {
        Ok(p) => p,
        Err(e) => {
            writeln!(err, "{what}: {e}")?;
            return Ok(2);
        }
    };
    #[cfg(unix)]
    pipe.stop_on(bsm_io::system::stop_on_signals());
    let (_, decode_errors) =
        crate::auditpipe::stream(&mut pipe, flags.into(), naflags.into(), qlimit, out, err)?;
    Ok(if decode_errors > 0 { 1 } else { 0 })
}

fn run_auditon(
    json: bool,
    events: crate::names::EventOptions,
    action: crate::auditon::Action,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<i32> {
    if !bsm_io::system::LIVE_SUPPORTED {
        writeln!(err, "knox auditon: {}", bsm_io::system::UNSUPPORTED)?;
        return Ok(2);
    }
    #[cfg(unix)]
    if let Err(e) = crate::privileges::ensure_root(err) {
        writeln!(err, "knox auditon: {e}")?;
        return Ok(2);
    }
    let tables = match crate::settings::Tables::load(&events) {
        Ok(t) => t,
        Err(e) => {
            writeln!(err, "knox auditon: {e}")?;
            return Ok(2);
        }
    };
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
    match crate::auditon::run(
        &mut ctl,
        &action,
        json,
        &tables.events,
        &tables.classes,
        out,
    ) {
        Ok(()) => Ok(0),
        Err(e) => {
            writeln!(err, "knox auditon: {e}")?;
            Ok(2)
        }
    }
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
    let mut sink = crate::hunt::Hunt::new(rules, s, format, &mut out, reaction);
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

fn run_hunt(args: HuntCmd, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<i32> {
    let what = "knox hunt";
    if args.fields {
        out.write_all(knox_model::sigma::markdown().as_bytes())?;
        return Ok(0);
    }
    let format = hunt_format(&args);
    let rules = match knox_hunt::RuleSet::load(&args.sigma) {
        Ok(r) => r,
        Err(e) => {
            writeln!(err, "{what}: {}", crate::report::io_text(&e))?;
            return Ok(2);
        }
    };
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
        writeln!(
            err,
            "{what}: no rule to evaluate: BSM records are process_creation, file_event and \
             network_connection logs of product macos or freebsd"
        )?;
        return Ok(2);
    }
    let inputs = Inputs::of(&args.stream, &args.read.files, "ex,fc,fw,fd,cl,nt");
    let Some(s) = settings(what, inputs, (&args.read).into(), err)? else {
        return Ok(2);
    };
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
    pub fn new(args: &[&str]) -> Result<Prepared, crate::error::Error> {
        use crate::error::Error;
        use clap::Parser;
        let cli = Cli::try_parse_from(args).map_err(|e| Error::usage(e.to_string()))?;
        let mut err = Vec::new();
        let resolve = |what, read: &ReadArgs, err: &mut Vec<u8>| {
            settings(what, Inputs::files(&[]), read.into(), err)
                .ok()
                .flatten()
        };
        let (kind, read, what): (Option<Kind>, &ReadArgs, &'static str) = match &cli.command {
            Command::Praudit(a) => (None, &a.read, "knox praudit"),
            Command::Json(a) => (None, &a.read, "knox json"),
            Command::Commands(a) => (None, &a.read, "knox commands"),
            Command::Ps { common, sort } => (Some(Kind::Ps(*sort)), &common.read, "knox ps"),
            Command::Tree(a) => (Some(Kind::Tree), &a.read, "knox tree"),
            Command::Errors(a) => (Some(Kind::Errors), &a.read, "knox errors"),
            Command::Net(a) => (Some(Kind::Net), &a.read, "knox net"),
            Command::Hunt(a) => (None, &a.read, "knox hunt"),
            Command::Files {
                common, by_path, ..
            } => (
                Some(Kind::Files {
                    glob: None,
                    by_path: *by_path,
                }),
                &common.read,
                "knox files",
            ),
            _ => return Err(Error::usage("not a reading tool")),
        };
        let settings = resolve(what, read, &mut err)
            .ok_or_else(|| Error::usage(String::from_utf8_lossy(&err)))?;
        let rules = match &cli.command {
            Command::Hunt(a) => {
                Some(knox_hunt::RuleSet::load(&a.sigma).map_err(|e| Error::System(e.to_string()))?)
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
            (Command::Praudit(a), _) => praudit_on(s, a.clone(), &mut out, &mut err)?,
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
