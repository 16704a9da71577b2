//! Command-line syntax (clap), and running a parsed command.

use std::ffi::OsString;
use std::io::{self, Write};
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::accounts::Accounts;
use crate::input::{self, Source};
use crate::names::{EventOptions, EVENTS_HELP};
use crate::report::Problems;

#[derive(Debug, Parser)]
#[command(
    name = "knox",
    version,
    about = "Read, filter and watch BSM audit trails (macOS, FreeBSD) on any OS"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Summarise trails: records, tokens per type, header kinds, time range, events, decode errors.
    #[command(after_help = EVENTS_HELP)]
    Stats {
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        events: EventOptions,
        /// Trail files, directories of trail files (a copied /var/audit), or - for stdin.
        #[arg(value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Print trails as OpenBSM's praudit does (also run as `praudit` through a symlink).
    #[command(after_help = PRAUDIT_HELP)]
    Praudit(PrauditArgs),
    /// The command line of every process that executed, ready to paste into a shell.
    #[command(after_help = EVENTS_HELP)]
    Commands(CommandsCmd),
    /// Every record as a JSON object per line (JSON Lines), lossless.
    #[command(after_help = EVENTS_HELP)]
    Json(JsonCmd),
    /// Watch the audit stream live (macOS, FreeBSD): a local-mode /dev/auditpipe with CLASSES.
    Auditpipe(AuditpipeCmd),
    /// Read and change the kernel's audit state: policy, process masks, event classes (macOS, FreeBSD).
    Auditon {
        /// One JSON object instead of text.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        events: EventOptions,
        #[command(subcommand)]
        action: crate::auditon::Action,
    },
    /// Processes rebuilt from fork, exec and exit records: pid, parent, command, times, status, counts.
    Ps(ActivityCmd),
    /// The parent/child tree of processes.
    Tree(ActivityCmd),
    /// Files each process opened, created, read, wrote, renamed, deleted or changed.
    Files {
        #[command(flatten)]
        common: ActivityCmd,
        /// Only paths matching this glob (* within a component, ** across, ?).
        #[arg(long, value_name = "GLOB")]
        path: Option<String>,
        /// Group by path: who touched each file.
        #[arg(long)]
        by_path: bool,
    },
    /// Failed system calls grouped by errno, event and process, with examples.
    Errors(ActivityCmd),
    /// Sockets, binds, listens, connects and accepts per process, with addresses and outcomes.
    Net(ActivityCmd),
    /// One self-contained HTML page: the process tree and each process's events on a time axis.
    Timeline {
        #[command(flatten)]
        common: ActivityCmd,
        /// Where to write the page.
        #[arg(long, value_name = "OUT.html")]
        html: PathBuf,
    },
    /// Select records and write them raw, as OpenBSM's auditreduce (pipe into praudit).
    #[command(after_help = REDUCE_HELP)]
    Auditreduce(ReduceCmd),
}

const REDUCE_HELP: &str = "All criteria must hold (-v inverts). Unlike OpenBSM's auditreduce, every \
header kind (32- and 64-bit, _ex) and every subject, process and return token variant counts. \
Dates are local time (TZ) unless --utc. Output is raw BSM: `knox auditreduce -c ex trail | praudit -l`.";

#[derive(Debug, Args)]
pub struct ActivityCmd {
    /// One JSON object per line.
    #[arg(long)]
    pub json: bool,
    /// Only this process and its descendants.
    #[arg(long, value_name = "PID")]
    pub pid: Option<u32>,
    #[command(flatten)]
    pub stream: StreamArgs,
    #[command(flatten)]
    pub read: ReadArgs,
}

/// What every command that reads trails takes: the sources, names, tables and selection.
#[derive(Debug, Args)]
pub struct ReadArgs {
    /// Times (and dates in selections) in UTC instead of the local zone.
    #[arg(long)]
    pub utc: bool,
    #[command(flatten)]
    pub names: NameFiles,
    #[command(flatten)]
    pub events: EventOptions,
    #[command(flatten)]
    pub select: crate::filter::SelectArgs,
    /// Trail files, directories of trail files, or - for stdin (the default).
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

/// Records that arrive over time: a followed trail or the live pipe.
#[derive(Debug, Args)]
pub struct StreamArgs {
    /// Follow the trail file, `current` link or trail directory as it is written (across
    /// rotation), printing records as they arrive.
    #[arg(long)]
    pub follow: bool,
    /// Read the live audit stream (/dev/auditpipe, macOS and FreeBSD) with these classes
    /// (default: those the command reports on, e.g. ex for commands, all for praudit and json);
    /// needs root.
    #[arg(long, value_name = "CLASSES", num_args = 0..=1, default_missing_value = "")]
    pub live: Option<String>,
}

/// Turns a path glob into an anchored regex: `**` any characters, `*` and `?` within a component.
pub fn glob_regex(glob: &str) -> Result<regex::bytes::Regex, regex::Error> {
    let mut re = String::from("^");
    let mut chars = glob.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' if chars.peek() == Some(&'*') => {
                chars.next();
                re.push_str(".*");
            }
            '*' => re.push_str("[^/]*"),
            '?' => re.push_str("[^/]"),
            c => re.push_str(&regex::escape(&c.to_string())),
        }
    }
    re.push('$');
    regex::bytes::Regex::new(&re)
}

#[derive(Debug, Args)]
pub struct AuditpipeCmd {
    /// Classes to select, as audit_control(5) writes them (pc,ex or +fr,-fw or all).
    #[arg(value_name = "CLASSES", id = "select_classes")]
    pub classes: String,
    /// Classes for events not attributable to a user.
    #[arg(long, value_name = "CLASSES")]
    pub naflags: Option<String>,
    /// Queue length of the pipe: a number of records, or max (fewer drops under load).
    #[arg(long, value_name = "N|max")]
    pub qlimit: Option<String>,
    /// Output: raw BSM (default; refused on a terminal), praudit, json or commands.
    #[arg(long, value_enum, default_value = "raw")]
    pub format: crate::auditpipe::Format,
    #[command(flatten)]
    pub events: EventOptions,
}

#[derive(Debug, Args)]
pub struct CommandsCmd {
    /// Add time, pid, parent pid, user and exit status (when the trail has the exit).
    #[arg(long)]
    pub long: bool,
    /// Add the environment (as `env VAR=... command`).
    #[arg(long)]
    pub env: bool,
    /// Show failed execs only, with their errno.
    #[arg(long, conflicts_with = "all")]
    pub failed: bool,
    /// Show successful and failed execs.
    #[arg(long)]
    pub all: bool,
    /// One JSON object per exec: time, pid, ppid, auid, euid, path, argv, envp, status.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub stream: StreamArgs,
    #[command(flatten)]
    pub read: ReadArgs,
}

#[derive(Debug, Args)]
pub struct JsonCmd {
    #[command(flatten)]
    pub stream: StreamArgs,
    #[command(flatten)]
    pub read: ReadArgs,
}

/// The source machine's account files.
#[derive(Debug, Args)]
pub struct NameFiles {
    /// User names from this passwd file (the source machine's) instead of this machine's.
    #[arg(long, value_name = "FILE")]
    pub passwd: Option<PathBuf>,
    /// Group names from this group file (the source machine's) instead of this machine's.
    #[arg(long, value_name = "FILE")]
    pub group: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ReduceCmd {
    #[command(flatten)]
    pub select: crate::filter::ReduceArgs,
    /// Dates in UTC instead of the local time zone.
    #[arg(long)]
    pub utc: bool,
    /// User names from this passwd file (the source machine's).
    #[arg(long, value_name = "FILE")]
    pub passwd: Option<PathBuf>,
    /// Group names from this group file (the source machine's).
    #[arg(long, value_name = "FILE")]
    pub group: Option<PathBuf>,
    #[command(flatten)]
    pub events: EventOptions,
    /// Trail files, directories of trail files, or - for stdin (the default).
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

const PRAUDIT_HELP: &str = "Output is OpenBSM praudit's, byte for byte, except: error texts are BSD's \
(as praudit prints them on macOS and FreeBSD); bad input is reported on stderr as \
`knox praudit: FILE: <what> at offset N` and the next good record is printed; tokens praudit \
misparses or does not know are printed with their right fields; -x is always well-formed XML; \
-p never loops. Exit status: 0 all decoded, 1 decode errors reported, 2 usage error or unreadable file.

Event names come from --events FILE, else the embedded table that --flavor picks, else \
/etc/security/audit_event when this machine has one, else the embedded macOS table: on a machine \
without the file the trail most likely comes from a Mac. User and group names come from this \
machine, as praudit's do, unless --passwd/--group name the source machine's files; -n prints numbers.";

/// praudit's flags, and knox's additions.
#[derive(Debug, Args)]
pub struct PrauditArgs {
    /// One record per line.
    #[arg(short = 'l')]
    pub oneline: bool,
    /// Numeric user and group ids instead of names.
    #[arg(short = 'n')]
    pub numeric: bool,
    /// Skip to the first header32 record (input that starts mid-record, as from tail -f).
    #[arg(short = 'p')]
    pub sync: bool,
    /// XML output.
    #[arg(short = 'x')]
    pub xml: bool,
    /// Raw numbers: token ids, event numbers, ids, errnos, seconds.
    #[arg(short = 'r', conflicts_with = "short")]
    pub raw: bool,
    /// Short event names (AUE_OPEN_R).
    #[arg(short = 's')]
    pub short: bool,
    /// Field delimiter (any string; default a comma).
    #[arg(short = 'd', value_name = "DEL", allow_hyphen_values = true)]
    pub delim: Option<OsString>,
    /// Make control characters in text fields visible (\^[, \n, \M-x) instead of raw.
    #[arg(long)]
    pub safe: bool,
    #[command(flatten)]
    pub stream: StreamArgs,
    #[command(flatten)]
    pub read: ReadArgs,
}

/// `praudit ...` when the binary is invoked under that name.
#[derive(Debug, Parser)]
#[command(name = "praudit", version, about = "knox praudit: print BSM audit trails as OpenBSM's praudit does", after_help = PRAUDIT_HELP)]
pub struct PrauditCli {
    #[command(flatten)]
    pub args: PrauditArgs,
}

fn expand(files: &[PathBuf], what: &str) -> Option<Vec<Source>> {
    match input::expand(files) {
        Ok(s) => Some(s),
        Err(e) => {
            eprintln!("{what}: {e}");
            None
        }
    }
}

/// Runs a command; returns the exit code.
pub fn run(cli: Cli, out: &mut dyn Write) -> io::Result<i32> {
    match cli.command {
        Command::Stats {
            json,
            events,
            files,
        } => {
            let mut problems = Problems::default();
            let Some(sources) = expand(&files, "knox") else {
                return Ok(2);
            };
            let (table, _) = match events.load() {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("knox: {}: {e}", events.events.unwrap_or_default().display());
                    return Ok(2);
                }
            };
            let st = crate::stats::collect(&sources, &table, &mut problems);
            if json {
                serde_json::to_writer_pretty(&mut *out, &st)?;
                writeln!(out)?;
                // The report is for machines; tell the person at the terminal too.
                for p in &st.errors {
                    eprintln!("knox stats: {p}");
                }
            } else {
                crate::stats::write_text(&st, out)?;
            }
            Ok(problems.exit_code())
        }
        Command::Praudit(args) => run_praudit(args, out),
        Command::Auditreduce(args) => run_auditreduce(args, out),
        Command::Commands(args) => run_commands(args, out),
        Command::Ps(a) => run_activity(a, Report::Ps, out),
        Command::Tree(a) => run_activity(a, Report::Tree, out),
        Command::Errors(a) => run_activity(a, Report::Errors, out),
        Command::Net(a) => run_activity(a, Report::Net, out),
        Command::Timeline { common, html } => run_timeline(common, html),
        Command::Files {
            common,
            path,
            by_path,
        } => {
            let glob = match path.as_deref().map(glob_regex).transpose() {
                Ok(g) => g,
                Err(e) => {
                    eprintln!("knox files: bad --path: {e}");
                    return Ok(2);
                }
            };
            run_activity(common, Report::Files { glob, by_path }, out)
        }
        Command::Auditpipe(args) => run_auditpipe(args, out),
        Command::Auditon {
            json,
            events,
            action,
        } => {
            if !bsm_io::system::LIVE_SUPPORTED {
                eprintln!("knox auditon: {}", bsm_io::system::UNSUPPORTED);
                return Ok(2);
            }
            #[cfg(unix)]
            if let Err(e) = crate::privileges::ensure_root() {
                eprintln!("knox auditon: {e}");
                return Ok(2);
            }
            let (table, _) = events.load()?;
            let classes = events.load_classes()?;
            let mut ctl = bsm_io::control::Control {
                k: bsm_io::control::System,
            };
            match crate::auditon::run(&mut ctl, &action, json, &table, &classes, out) {
                Ok(()) => Ok(0),
                Err(e) => {
                    eprintln!("knox auditon: {e}");
                    Ok(2)
                }
            }
        }
        Command::Json(args) => run_json(args, out),
    }
}

/// What every reading command resolves before it starts.
struct Setup {
    sources: Vec<Source>,
    table: bsm_format::tables::EventTable,
    accounts: Accounts,
    filter: crate::filter::Filter,
}

/// Where a reading command's records come from.
struct Inputs<'a> {
    /// `--live CLASSES` and the classes used when none are given.
    live: Option<(&'a str, &'a str)>,
    follow: bool,
    files: &'a [PathBuf],
}

fn setup(what: &str, inputs: Inputs<'_>, read: &ReadArgs) -> Option<Setup> {
    let (events, names) = (&read.events, &read.names);
    let fail = |e: String| {
        eprintln!("{what}: {e}");
    };
    let Inputs {
        live,
        follow,
        files,
    } = inputs;
    let sources = match live {
        Some((classes, default)) => {
            let c = if classes.is_empty() { default } else { classes };
            let table = events
                .load_classes()
                .map_err(|e| fail(e.to_string()))
                .ok()?;
            vec![Source::Live(
                bsm_format::tables::parse_flags(c, &table)
                    .map_err(fail)
                    .ok()?,
            )]
        }
        None if follow => input::follow(files),
        None => expand(files, what)?,
    };
    let (table, _) = events
        .load()
        .map_err(|e| fail(format!("event table: {e}")))
        .ok()?;
    let accounts = Accounts::new(names.passwd.as_deref(), names.group.as_deref())
        .map_err(|e| fail(e.to_string()))
        .ok()?;
    let filter = build_filter(&read.select.spec(), events, &table, &accounts, read.utc)
        .map_err(fail)
        .ok()?;
    Some(Setup {
        sources,
        table,
        accounts,
        filter,
    })
}

/// The reports built on the activity model.
enum Report {
    Ps,
    Tree,
    Errors,
    Net,
    Files {
        glob: Option<regex::bytes::Regex>,
        by_path: bool,
    },
}

impl Report {
    fn name(&self) -> &'static str {
        match self {
            Report::Ps => "knox ps",
            Report::Tree => "knox tree",
            Report::Errors => "knox errors",
            Report::Net => "knox net",
            Report::Files { .. } => "knox files",
        }
    }

    /// What `--live` audits when given no classes: the process lifecycle plus the report's
    /// own classes.
    fn live_classes(&self) -> &'static str {
        match self {
            Report::Ps => "pc,ex,fr,fw,fc,fd,fm,nt,-all",
            Report::Tree => "pc,ex",
            Report::Errors => "pc,ex,-all",
            Report::Net => "pc,ex,nt",
            Report::Files { .. } => "pc,ex,fr,fw,fc,fd,fm",
        }
    }
}

/// Runs `knox ps`, `tree`, `files`, `errors` or `net`: the records go through the activity
/// model into the report's sink, which prints each process as it is done.
fn run_activity(a: ActivityCmd, report: Report, out: &mut dyn Write) -> io::Result<i32> {
    use crate::activity::print;
    let what = report.name();
    let Some(s) = setup(what, activity_inputs(&a, report.live_classes()), &a.read) else {
        return Ok(2);
    };
    // Followed and live input is printed as it comes, not when a buffer fills.
    let streaming = s.sources.iter().any(Source::is_live);
    let mut out = Flushing { out, streaming };
    let mut sink: Box<dyn crate::activity::Sink + '_> = match report {
        Report::Ps => Box::new(print::Ps::new(&mut out, a.json)),
        Report::Tree => Box::new(crate::activity::tree::Tree::new(
            &mut out, a.json, streaming,
        )),
        Report::Errors => Box::new(print::Errors::new(&mut out, a.json)),
        Report::Net => Box::new(print::Net::new(&mut out, a.json, &s.table)),
        Report::Files { glob, by_path } => {
            Box::new(print::Files::new(&mut out, a.json, glob, by_path))
        }
    };
    let mut problems = Problems::default();
    let stderr = io::stderr();
    let mut model = crate::activity::Model::new(a.pid, false);
    model.run(
        &s.sources,
        &s.table,
        &s.filter,
        what,
        &mut *sink,
        &mut stderr.lock(),
        &mut problems,
    )?;
    drop(sink);
    out.out.flush()?;
    Ok(problems.exit_code())
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

fn activity_inputs<'a>(a: &'a ActivityCmd, live_classes: &'static str) -> Inputs<'a> {
    Inputs {
        live: a.stream.live.as_deref().map(|c| (c, live_classes)),
        follow: a.stream.follow,
        files: &a.read.files,
    }
}

fn run_timeline(a: ActivityCmd, html: PathBuf) -> io::Result<i32> {
    let what = "knox timeline";
    if a.stream.follow || a.stream.live.is_some() {
        eprintln!(
            "{what}: the page is written when the input ends; --follow and --live do not apply"
        );
        return Ok(2);
    }
    let Some(s) = setup(what, activity_inputs(&a, "all"), &a.read) else {
        return Ok(2);
    };
    let title = a
        .read
        .files
        .iter()
        .map(|f| f.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let mut file = match std::fs::File::create(&html) {
        Ok(f) => io::BufWriter::new(f),
        Err(e) => {
            eprintln!("{what}: {}: {e}", html.display());
            return Ok(2);
        }
    };
    let mut problems = Problems::default();
    let stderr = io::stderr();
    let mut model = crate::activity::Model::new(a.pid, true);
    let mut sink = crate::timeline::Timeline::new(&mut file, title);
    model.run(
        &s.sources,
        &s.table,
        &s.filter,
        what,
        &mut sink,
        &mut stderr.lock(),
        &mut problems,
    )?;
    sink.dropped = model.moments_dropped;
    sink.write()?;
    Ok(problems.exit_code())
}

fn run_commands(args: CommandsCmd, out: &mut dyn Write) -> io::Result<i32> {
    let Some(s) = setup(
        "knox commands",
        Inputs {
            live: args.stream.live.as_deref().map(|c| (c, "ex")),
            follow: args.stream.follow,
            files: &args.read.files,
        },
        &args.read,
    ) else {
        return Ok(2);
    };
    let opts = crate::commands::Options {
        long: args.long,
        env: args.env,
        which: if args.all {
            crate::commands::Which::All
        } else if args.failed {
            crate::commands::Which::Failed
        } else {
            crate::commands::Which::Succeeded
        },
        json: args.json,
        utc: args.read.utc,
    };
    let mut problems = Problems::default();
    let stderr = io::stderr();
    crate::commands::run(
        &s.sources,
        &opts,
        &s.filter,
        &s.accounts,
        out,
        &mut stderr.lock(),
        &mut problems,
    )?;
    Ok(problems.exit_code())
}

fn run_json(args: JsonCmd, out: &mut dyn Write) -> io::Result<i32> {
    let Some(s) = setup(
        "knox json",
        Inputs {
            live: args.stream.live.as_deref().map(|c| (c, "all")),
            follow: args.stream.follow,
            files: &args.read.files,
        },
        &args.read,
    ) else {
        return Ok(2);
    };
    let mut problems = Problems::default();
    let stderr = io::stderr();
    crate::json::run(
        &s.sources,
        &s.table,
        &s.filter,
        out,
        &mut stderr.lock(),
        &mut problems,
    )?;
    Ok(problems.exit_code())
}

/// Builds the shared filter, or says why it cannot (usage error).
pub fn build_filter(
    spec: &crate::filter::Spec,
    events: &EventOptions,
    table: &bsm_format::tables::EventTable,
    names: &dyn crate::filter::IdNames,
    utc: bool,
) -> Result<crate::filter::Filter, String> {
    let classes = events
        .load_classes()
        .map_err(|e| format!("class table: {e}"))?;
    crate::filter::Filter::new(spec, table, &classes, names, utc)
}

fn run_auditreduce(args: ReduceCmd, out: &mut dyn Write) -> io::Result<i32> {
    use std::io::IsTerminal;
    if io::stdout().is_terminal() {
        eprintln!("knox auditreduce: the output is raw BSM; pipe it into `knox praudit` or redirect it to a file");
        return Ok(2);
    }
    let Some(sources) = expand(&args.files, "knox auditreduce") else {
        return Ok(2);
    };
    let (table, _) = match args.events.load() {
        Ok(t) => t,
        Err(e) => {
            eprintln!("knox auditreduce: event table: {e}");
            return Ok(2);
        }
    };
    let accounts = match Accounts::new(args.passwd.as_deref(), args.group.as_deref()) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("knox auditreduce: {e}");
            return Ok(2);
        }
    };
    let filter = match build_filter(
        &args.select.spec(),
        &args.events,
        &table,
        &accounts,
        args.utc,
    ) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("knox auditreduce: {e}");
            return Ok(2);
        }
    };
    let mut problems = Problems::default();
    let stderr = io::stderr();
    crate::auditreduce::run(&sources, &filter, out, &mut stderr.lock(), &mut problems)?;
    Ok(problems.exit_code())
}

/// Runs `knox praudit`; returns the exit code.
pub fn run_praudit(args: PrauditArgs, out: &mut dyn Write) -> io::Result<i32> {
    let inputs = Inputs {
        live: args.stream.live.as_deref().map(|c| (c, "all")),
        follow: args.stream.follow,
        files: &args.read.files,
    };
    let Some(s) = setup("knox praudit", inputs, &args.read) else {
        return Ok(2);
    };
    let accounts = if args.numeric || args.raw {
        Accounts::numeric()
    } else {
        s.accounts
    };
    let opts = crate::praudit::Options {
        oneline: args.oneline,
        raw: args.raw,
        short: args.short,
        xml: args.xml,
        sync: args.sync,
        delim: args.delim.map(os_bytes).unwrap_or_else(|| b",".to_vec()),
        safe: args.safe,
        utc: args.read.utc,
    };
    let mut printer = crate::praudit::Printer::new(opts, &s.table, accounts);
    printer.set_filter(s.filter);
    let mut problems = Problems::default();
    let stderr = io::stderr();
    crate::praudit::run(
        &s.sources,
        &mut printer,
        out,
        &mut stderr.lock(),
        &mut problems,
    )?;
    Ok(problems.exit_code())
}

#[cfg(unix)]
fn os_bytes(s: OsString) -> Vec<u8> {
    use std::os::unix::ffi::OsStringExt;
    s.into_vec()
}

#[cfg(not(unix))]
fn os_bytes(s: OsString) -> Vec<u8> {
    s.to_string_lossy().into_owned().into_bytes()
}

fn run_auditpipe(args: AuditpipeCmd, out: &mut dyn Write) -> io::Result<i32> {
    use crate::auditpipe::Format;
    use std::io::IsTerminal;
    let classes = match args.events.load_classes() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("knox auditpipe: class table: {e}");
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
            eprintln!("knox auditpipe: {e}");
            return Ok(2);
        }
    };
    let limit = match args.qlimit.as_deref() {
        None => None,
        Some("max") => Some(bsm_io::pipe::QueueLimit::Max),
        Some(n) => match n.parse() {
            Ok(n) => Some(bsm_io::pipe::QueueLimit::Records(n)),
            Err(_) => {
                eprintln!("knox auditpipe: --qlimit takes a number or max");
                return Ok(2);
            }
        },
    };
    let mut pipe = match crate::live::open_pipe() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("knox auditpipe: {e}");
            return Ok(2);
        }
    };
    if args.format == Format::Raw && io::stdout().is_terminal() {
        eprintln!(
            "knox auditpipe: the output is raw BSM; pipe it into `knox praudit` or use --format"
        );
        return Ok(2);
    }
    #[cfg(unix)]
    pipe.stop_on(bsm_io::system::stop_on_signals());
    let (table, _) = args.events.load()?;
    let accounts = Accounts::new(None, None)?;
    let mut printer = crate::praudit::Printer::new(
        crate::praudit::Options::default(),
        &table,
        Accounts::numeric(),
    );
    let copts = crate::commands::Options {
        long: false,
        env: false,
        which: crate::commands::Which::Succeeded,
        json: false,
        utc: false,
    };
    let write = |rec: &bsm_format::Record<'_>, buf: &mut Vec<u8>| match args.format {
        Format::Raw => buf.extend_from_slice(rec.bytes()),
        Format::Praudit => {
            printer.record(rec, buf);
        }
        Format::Json => {
            crate::json::write_record(buf, rec, "/dev/auditpipe", &table);
        }
        Format::Commands => {
            if let Some(e) = crate::commands::exec_of(rec, "/dev/auditpipe").filter(|e| e.success) {
                crate::commands::write_exec(buf, &e, &copts, &accounts);
            }
        }
    };
    let stderr = io::stderr();
    crate::auditpipe::stream(
        &mut pipe,
        flags.into(),
        naflags.into(),
        limit,
        write,
        out,
        &mut stderr.lock(),
    )?;
    Ok(0)
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
