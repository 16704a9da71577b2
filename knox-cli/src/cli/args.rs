//! Command-line syntax (clap derive): what the user may type. [`super::resolve`] turns it,
//! once, into each tool's options.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use super::names::{EventOptions, EVENTS_HELP};
use super::select::{ReduceArgs, SelectArgs};

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
        read: ReadArgs,
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
        action: AuditonAction,
    },
    /// Processes rebuilt from fork, exec and exit records: pid, parent, command, times, status, counts.
    Ps {
        #[command(flatten)]
        common: ActivityCmd,
        /// Row order: start (default for files; rows are held until the end), pid, user,
        /// command, or exit (the order processes end in, printed at once; the default with
        /// --follow and --live).
        #[arg(long, value_enum, value_name = "ORDER", help_heading = "Report")]
        sort: Option<PsSortArg>,
    },
    /// The parent/child tree of processes.
    Tree(ActivityCmd),
    /// Files each process opened, created, read, wrote, renamed, deleted or changed.
    Files {
        #[command(flatten)]
        common: ActivityCmd,
        /// Only paths matching this glob (* and ? within a component, ** across, [a-z], {a,b}).
        #[arg(long, value_name = "GLOB", help_heading = "Report")]
        path: Option<String>,
        /// Group by path: who touched each file.
        #[arg(long, help_heading = "Report")]
        by_path: bool,
    },
    /// Failed system calls grouped by errno, event and process, with examples.
    Errors(ActivityCmd),
    /// Sockets, binds, listens, connects and accepts per process, with addresses and outcomes.
    Net(ActivityCmd),
    /// One self-contained HTML page: the process tree and each process's events on a time axis.
    Timeline(TimelineCmd),
    /// Is a trail whole? Damaged ranges, lost records (seq gaps), time running backwards, gaps
    /// between trail files, files left open, per file and per host.
    #[command(after_help = VERIFY_HELP)]
    Verify(VerifyCmd),
    /// Export records for other tools: OCSF events (SIEMs, security data lakes), Timesketch
    /// timelines, or Parquet tables (DuckDB, Spark, Trino).
    #[command(after_help = EXPORT_HELP)]
    Export(ExportCmd),
    /// Select records and write them raw, as OpenBSM's auditreduce (pipe into praudit).
    #[command(after_help = REDUCE_HELP)]
    Auditreduce(ReduceCmd),
    /// Hunt with Sigma rules (SigmaHQ's macOS rules): process creations, file creations and
    /// connections that match, with the rule, the process and its parent.
    #[command(after_help = HUNT_HELP)]
    Hunt(HuntCmd),
    /// Print a shell completion script (e.g. `knox completions bash > /etc/bash_completion.d/knox`).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print knox's man page (roff; e.g. `knox man > /usr/local/share/man/man1/knox.1`).
    Man,
}

const EXPORT_HELP: &str = "ocsf and timesketch write JSON Lines to stdout; parquet writes \
Hive-partitioned files under --to DIR (records: host=H/day=YYYY-MM-DD/, ocsf: \
class=C/host=H/day=D/), adding new files to what DIR holds. The mapping from BSM to OCSF is in \
docs/ocsf-mapping.md (also printed by --ocsf-mapping).";

/// What `knox export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// OCSF 1.8.0 events, one JSON object per line.
    Ocsf,
    /// Timesketch's JSON Lines.
    Timesketch,
    /// Parquet files under --to DIR.
    Parquet,
}

/// Which Parquet table `knox export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportSchema {
    /// One row per record: typed columns, with the process model's process and parent.
    Records,
    /// One row per token: one typed column per token field.
    Tokens,
    /// One row per OCSF event, one table per class.
    Ocsf,
}

impl From<ExportSchema> for knox_arrow::Table {
    fn from(s: ExportSchema) -> knox_arrow::Table {
        match s {
            ExportSchema::Records => knox_arrow::Table::Records,
            ExportSchema::Tokens => knox_arrow::Table::Tokens,
            ExportSchema::Ocsf => knox_arrow::Table::Ocsf,
        }
    }
}

const HUNT_HELP: &str = "Rules: Sigma YAML files or directories of them (read recursively), \
such as SigmaHQ's rules/macos (https://github.com/SigmaHQ/sigma, Detection Rule License 1.1: \
every match names the rule's author). Rules for process_creation, file_event and \
network_connection with product macos, freebsd or none are evaluated; a rule that cannot be \
(a field BSM records do not hold, an unsupported modifier, invalid YAML) is named on stderr with \
why. The fields: docs/sigma-fields.md, or --fields. Exit status: 0, 1 when decode errors were \
reported, 2 on a usage error or an invalid rule, 3 when --fail-on LEVEL found a match at or \
above LEVEL.";

/// How `knox hunt` writes its matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum HuntFormat {
    /// One line per match.
    Text,
    /// One JSON object per match.
    Json,
    /// OCSF 1.8.0 Detection Findings (class 2004), one per line.
    Ocsf,
}

/// `knox hunt`'s options.
#[derive(Debug, Args)]
pub struct HuntCmd {
    /// A Sigma rule file, or a directory of them (read recursively); repeat for more.
    #[arg(
        long,
        value_name = "PATH",
        required_unless_present = "fields",
        help_heading = "Rules"
    )]
    pub sigma: Vec<PathBuf>,
    /// Print the Sigma fields BSM records fill (Markdown) and exit.
    #[arg(long, conflicts_with = "sigma", help_heading = "Rules")]
    pub fields: bool,
    /// One JSON object per match (the same as --format json).
    #[arg(long, conflicts_with = "format", help_heading = "Report")]
    pub json: bool,
    /// How matches are written.
    #[arg(long, value_enum, default_value = "text", help_heading = "Report")]
    pub format: HuntFormat,
    /// Exit 3 when a match of this level or above was found: informational, low, medium, high,
    /// critical.
    #[arg(long, value_name = "LEVEL", value_parser = parse_level, help_heading = "Report")]
    pub fail_on: Option<knox_hunt::Level>,
    /// Run this shell command for each match, with the match's JSON on its stdin, one at a time
    /// (a bounded queue: matches that find it full are counted, not waited for).
    #[arg(long, value_name = "CMD", help_heading = "Reaction")]
    pub exec: Option<String>,
    /// Seconds a --exec command may run before it is killed.
    #[arg(
        long,
        value_name = "SECS",
        default_value_t = 10,
        requires = "exec",
        help_heading = "Reaction"
    )]
    pub exec_timeout: u64,
    #[command(flatten)]
    pub stream: StreamArgs,
    #[command(flatten)]
    pub read: ReadArgs,
}

fn parse_level(s: &str) -> Result<knox_hunt::Level, crate::error::Error> {
    knox_hunt::Level::parse(s).ok_or_else(|| {
        crate::error::Error::usage(format!(
            "unknown level {s:?}: informational, low, medium, high or critical"
        ))
    })
}

/// `knox export`'s options.
#[derive(Debug, Args)]
pub struct ExportCmd {
    /// What to write.
    #[arg(long, value_enum, required_unless_present_any = ["ocsf_mapping", "tables"])]
    pub format: Option<ExportFormat>,
    /// The directory Parquet files go to (--format parquet only).
    #[arg(long, value_name = "DIR")]
    pub to: Option<PathBuf>,
    /// The Parquet table (--format parquet only; default records): one row per record, per
    /// token, or per OCSF event.
    #[arg(long, value_enum)]
    pub schema: Option<ExportSchema>,
    /// Print the BSM to OCSF mapping table (Markdown) and exit.
    #[arg(long, conflicts_with_all = ["format", "to", "schema", "tables"])]
    pub ocsf_mapping: bool,
    /// Print the Arrow and Parquet tables' columns (Markdown) and exit.
    #[arg(long, conflicts_with_all = ["format", "to", "schema"])]
    pub tables: bool,
    #[command(flatten)]
    pub stream: StreamArgs,
    #[command(flatten)]
    pub read: ReadArgs,
}

const VERIFY_HELP: &str = "Exit status: 0 when nothing is wrong, 1 when something is found, 2 \
on a usage error or an unreadable input. --json writes one object per file (\"damage\": \
[{\"offset\", \"length\", \"reason\", \"recovered\"}], \"seq_gaps\", \"seq_repeats\", \
\"time_backwards\", \"gap_before\", \"state\", \"partial_record\") and then one summary object.";

/// `knox verify`'s options.
#[derive(Debug, Args)]
pub struct VerifyCmd {
    /// One JSON object per file, then a summary object.
    #[arg(long)]
    pub json: bool,
    /// Times in UTC instead of the local zone.
    #[arg(long)]
    pub utc: bool,
    /// JSON times in the zone of text output instead of UTC.
    #[arg(long)]
    pub json_zone: bool,
    /// Threads reading the trails (default: the available cores).
    #[arg(short = 'j', long = "threads", value_name = "N")]
    pub threads: Option<usize>,
    /// The host of every input (instead of the names' host suffix or per-host directory).
    #[arg(long, value_name = "NAME")]
    pub host: Option<String>,
    /// Bytes of input per batch.
    #[arg(long, value_name = "BYTES", hide = true)]
    pub batch_bytes: Option<usize>,
    /// Trail files, trail directories, trees of per-host trail directories, or - for stdin.
    #[arg(value_name = "PATH")]
    pub files: Vec<PathBuf>,
}

const REDUCE_HELP: &str = "All criteria must hold (-v inverts). Unlike OpenBSM's auditreduce, every \
header kind (32- and 64-bit, _ex) and every subject, process and return token variant counts. \
Dates are local time (TZ) unless --utc. Output is raw BSM: `knox auditreduce -c ex trail | praudit -l`.";

#[derive(Debug, Args)]
pub struct ActivityCmd {
    /// One JSON object per line.
    #[arg(long, help_heading = "Report")]
    pub json: bool,
    /// Leave out the column titles of the text table (for awk, sort and the like).
    #[arg(long, help_heading = "Report")]
    pub no_header: bool,
    /// Only this process and its descendants.
    #[arg(long, value_name = "PID", help_heading = "Report")]
    pub pid: Option<u32>,
    #[command(flatten)]
    pub stream: StreamArgs,
    #[command(flatten)]
    pub read: ReadArgs,
}

/// `knox timeline`'s options: the page is written when the input ends, so it neither follows
/// nor reads the live pipe.
#[derive(Debug, Args)]
pub struct TimelineCmd {
    /// Where to write the page (`-` for stdout).
    #[arg(long, value_name = "OUT.html")]
    pub html: PathBuf,
    /// Only this process and its descendants.
    #[arg(long, value_name = "PID")]
    pub pid: Option<u32>,
    #[command(flatten)]
    pub read: ReadArgs,
}

/// What every command that reads trails takes: the sources, names, tables and selection.
#[derive(Debug, Clone, Args)]
pub struct ReadArgs {
    /// Times (and dates in selections) in UTC instead of the local zone (the same as TZ=UTC).
    #[arg(long, help_heading = "Times and names")]
    pub utc: bool,
    /// JSON times in the zone of text output (TZ, or UTC under --utc) instead of UTC with Z.
    #[arg(long, help_heading = "Times and names")]
    pub json_zone: bool,
    /// Threads decoding and formatting (default: the available cores; 1 reads on one thread).
    /// Output is the same for every number.
    #[arg(
        short = 'j',
        long = "threads",
        value_name = "N",
        help_heading = "Input"
    )]
    pub threads: Option<usize>,
    /// The host the records come from, for every input (instead of the trail file names'
    /// host suffix or the per-host directory).
    #[arg(long, value_name = "NAME", help_heading = "Input")]
    pub host: Option<String>,
    /// Bytes of input per batch handed to a thread (tests use tiny batches to split a trail
    /// into many).
    #[arg(long, value_name = "BYTES", hide = true)]
    pub batch_bytes: Option<usize>,
    #[command(flatten)]
    pub names: NameFiles,
    #[command(flatten)]
    pub events: EventOptions,
    #[command(flatten)]
    pub select: SelectArgs,
    /// Trail files, directories of trail files, or - for stdin (the default).
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

/// Records that arrive over time: a followed trail or the live pipe.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Input")]
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
    pub format: PipeFormat,
    #[command(flatten)]
    pub events: EventOptions,
}

#[derive(Debug, Args)]
pub struct CommandsCmd {
    /// Add time, pid, parent pid, user and exit status (when the trail has the exit).
    #[arg(long)]
    pub long: bool,
    /// With --long: leave out the column titles (for awk, sort and the like).
    #[arg(long, requires = "long")]
    pub no_header: bool,
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
    /// Only the execs of this process and its descendants.
    #[arg(long, value_name = "PID")]
    pub pid: Option<u32>,
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
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Times and names")]
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
    pub select: ReduceArgs,
    /// Dates in UTC instead of the local time zone.
    #[arg(long)]
    pub utc: bool,
    #[command(flatten)]
    pub names: NameFiles,
    /// Threads reading the trails (default: the available cores). Output is the same.
    #[arg(long = "threads", value_name = "N")]
    pub threads: Option<usize>,
    /// Bytes of input per batch handed to a thread.
    #[arg(long, value_name = "BYTES", hide = true)]
    pub batch_bytes: Option<usize>,
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
#[derive(Debug, Clone, Args)]
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
    /// Make control characters in text fields visible (\^[, \n, \M-x) instead of raw. On by
    /// itself when stdout is a terminal, so that a trail cannot drive it; piped or redirected,
    /// the output is praudit's bytes.
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

/// What `knox auditon` reads or changes.
#[derive(Debug, Clone, Subcommand)]
pub enum AuditonAction {
    /// The audit policy (argv, arge, cnt, ...): show, or change with --set/--unset.
    Policy {
        /// Policies to add, comma-separated.
        #[arg(long, value_name = "LIST")]
        set: Option<String>,
        /// Policies to remove.
        #[arg(long, value_name = "LIST")]
        unset: Option<String>,
    },
    /// A process's preselection mask: show, set (--set CLASSES) or clear (--unset).
    Pmask {
        pid: i32,
        #[arg(long, value_name = "CLASSES")]
        set: Option<String>,
        #[arg(long)]
        unset: bool,
    },
    /// An event's classes in the kernel's map: show, add (--set) or remove (--unset).
    Class {
        /// Event name (AUE_EXECVE) or number.
        event: String,
        #[arg(long, value_name = "CLASSES")]
        set: Option<String>,
        #[arg(long, value_name = "CLASSES")]
        unset: Option<String>,
    },
    /// The kernel audit queue's controls.
    Qctrl,
    /// Whether auditing is on.
    Cond,
    /// The kernel's preselection mask for non-attributable events.
    Kmask,
}

impl From<AuditonAction> for crate::output::auditon::Action {
    fn from(a: AuditonAction) -> Self {
        use crate::output::auditon::Action;
        match a {
            AuditonAction::Policy { set, unset } => Action::Policy { set, unset },
            AuditonAction::Pmask { pid, set, unset } => Action::Pmask { pid, set, unset },
            AuditonAction::Class { event, set, unset } => Action::Class { event, set, unset },
            AuditonAction::Qctrl => Action::Qctrl,
            AuditonAction::Cond => Action::Cond,
            AuditonAction::Kmask => Action::Kmask,
        }
    }
}

/// The order of `knox ps`'s rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PsSortArg {
    /// By start time (then pid).
    Start,
    /// By pid (then start).
    Pid,
    /// By user name (then start).
    User,
    /// By command line (then start).
    Command,
    /// As processes end: printed at once.
    Exit,
}

impl From<PsSortArg> for crate::output::activity::print::PsSort {
    fn from(s: PsSortArg) -> Self {
        use crate::output::activity::print::PsSort;
        match s {
            PsSortArg::Start => PsSort::Start,
            PsSortArg::Pid => PsSort::Pid,
            PsSortArg::User => PsSort::User,
            PsSortArg::Command => PsSort::Command,
            PsSortArg::Exit => PsSort::Exit,
        }
    }
}

/// How `knox auditpipe` writes records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PipeFormat {
    /// Raw BSM, for `| knox praudit` or a file.
    Raw,
    /// praudit's default text.
    Praudit,
    /// JSON Lines as `knox json`.
    Json,
    /// Command lines as `knox commands`.
    Commands,
}

impl From<PipeFormat> for crate::tools::live::Format {
    fn from(f: PipeFormat) -> Self {
        use crate::tools::live::Format;
        match f {
            PipeFormat::Raw => Format::Raw,
            PipeFormat::Praudit => Format::Praudit,
            PipeFormat::Json => Format::Json,
            PipeFormat::Commands => Format::Commands,
        }
    }
}
