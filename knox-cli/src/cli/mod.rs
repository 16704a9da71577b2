//! The command line: its syntax (`args.rs`, `select.rs`, `names.rs`), resolved once into each
//! tool's plain options (`resolve.rs`), and a command run on them: the tool (`crate::tools`)
//! returns its exit code or an error, which is said here, once, after the tool's name. Exit
//! codes: 0 all decoded, 1 decode errors reported, 2 usage error or unreadable input.

use std::io::{self, Write};

mod args;
pub mod manpage;
pub mod names;
mod resolve;
pub mod select;

use crate::error::Error;
use crate::read::settings::{Inputs, Settings};
use crate::tools::activity::Kind;
use crate::tools::{self, Reader, Tool};
pub use crate::tools::{Env, Terminals};
pub use args::*;
pub use names::EventOptions;
pub use select::{ReduceArgs, SelectArgs};

/// Runs a command line (`["knox", "ps", "--json"]`) on `input` in place of stdin, in this
/// process; returns the exit code, stdout and stderr. Tests and fuzzing drive the tools this way.
pub fn run_on_bytes(args: &[&str], input: &[u8]) -> Result<(i32, Vec<u8>, Vec<u8>), Error> {
    use clap::Parser;
    let cli = Cli::try_parse_from(args).map_err(|e| Error::usage(e.to_string()))?;
    let env = Env {
        stdin: Some(input.into()),
        terminals: Terminals::default(),
    };
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = run(cli, &env, &mut out, &mut err)?;
    Ok((code, out, err))
}

/// Runs a command, its output written to `out` and its messages to `err`; returns the exit
/// code. An error is said here, once, after the tool's name; only a failure to write comes
/// back as an error.
pub fn run(cli: Cli, env: &Env, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<i32> {
    let name = cli.command.name();
    outcome(name, dispatch(cli, env, out, err), err)
}

/// Runs `knox praudit` (knox installed as `praudit`); returns the exit code.
pub fn run_praudit(
    args: PrauditArgs,
    env: &Env,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<i32> {
    outcome(Tool::Praudit.name(), praudit(&args, env, out, err), err)
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

    /// The activity report the command asks for, if it is one, and its options.
    fn activity(&self) -> Option<Result<(Kind, &ActivityCmd), Error>> {
        Some(Ok(match self {
            Command::Ps { common, sort } => (Kind::Ps(sort.map(Into::into)), common),
            Command::Tree(a) => (Kind::Tree, a),
            Command::Errors(a) => (Kind::Errors, a),
            Command::Net(a) => (Kind::Net, a),
            Command::Files {
                common,
                path,
                by_path,
            } => match resolve::files_kind(path.as_deref(), *by_path) {
                Ok(kind) => (kind, common),
                Err(e) => return Some(Err(e)),
            },
            _ => return None,
        }))
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

fn praudit(
    args: &PrauditArgs,
    env: &Env,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32, Error> {
    let opts = resolve::praudit(args)?;
    let reading = resolve::streams(&args.stream, &args.read, "all");
    tools::praudit::run(reading, &opts, env, out, err)
}

fn dispatch(cli: Cli, env: &Env, out: &mut dyn Write, err: &mut dyn Write) -> Result<i32, Error> {
    match &cli.command {
        Command::Stats { json, read } => {
            resolve::json_zone_needs_json(*json, read.json_zone)?;
            tools::records::stats(resolve::files(read), *json, env, out, err)
        }
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(*shell, &mut cmd, "knox", out);
            Ok(0)
        }
        Command::Man => {
            let cmd = <Cli as clap::CommandFactory>::command();
            manpage::write(&cmd, out)?;
            Ok(0)
        }
        Command::Praudit(args) => praudit(args, env, out, err),
        Command::Auditreduce(args) => {
            tools::records::auditreduce(resolve::reduce(args), env, out, err)
        }
        Command::Hunt(args) if args.fields => {
            out.write_all(knox_model::sigma::markdown().as_bytes())?;
            Ok(0)
        }
        Command::Hunt(args) => {
            let reading = resolve::streams(&args.stream, &args.read, "ex,fc,fw,fd,cl,nt");
            tools::hunt::run(reading, &resolve::hunt(args), env, out, err)
        }
        Command::Verify(args) => {
            tools::records::verify(resolve::verify(args)?, args.json, env, out, err)
        }
        Command::Export(args) if args.ocsf_mapping => {
            out.write_all(knox_model::ocsf::markdown().as_bytes())?;
            Ok(0)
        }
        Command::Export(args) if args.tables => {
            out.write_all(knox_arrow::schema::markdown().as_bytes())?;
            Ok(0)
        }
        Command::Export(args) => {
            let opts = resolve::export(args)?;
            let reading = resolve::streams(&args.stream, &args.read, "all");
            tools::export::run(reading, &opts, env, out, err)
        }
        Command::Commands(args) => {
            let opts = resolve::commands(args)?;
            let reading = resolve::streams(&args.stream, &args.read, "ex");
            tools::commands::run(reading, opts, env, out, err)
        }
        Command::Json(args) => tools::records::json(
            resolve::streams(&args.stream, &args.read, "all"),
            env,
            out,
            err,
        ),
        Command::Timeline(t) => tools::activity::timeline(
            resolve::files(&t.read),
            &resolve::timeline(t),
            env,
            out,
            err,
        ),
        Command::Auditpipe(args) => {
            tools::live::auditpipe(&resolve::auditpipe(args)?, env, out, err)
        }
        Command::Auditon {
            json,
            events,
            action,
        } => tools::live::auditon(&action.clone().into(), *json, &events.files(), out, err),
        Command::Ps { .. }
        | Command::Tree(_)
        | Command::Errors(_)
        | Command::Net(_)
        | Command::Files { .. } => {
            let (kind, a) = cli
                .command
                .activity()
                .unwrap_or_else(|| Err(Error::usage("not an activity report")))?;
            let reading = resolve::streams(&a.stream, &a.read, kind.live_classes());
            let opts = resolve::activity(a, kind)?;
            tools::activity::run(reading, &opts, env, out, err)
        }
    }
}

/// A reading tool's command line, parsed and resolved once, run on one input after another:
/// what the fuzz targets do, so that an input costs the tool's own work, not the command line's
/// parsing and the tables' loading.
pub struct Prepared {
    reader: Reader,
    settings: Settings,
}

impl Prepared {
    /// Prepares `praudit`, `json`, `commands`, `ps`, `tree`, `files`, `errors`, `net` or `hunt`
    /// (without `--exec`) with these arguments (`["knox", "json", "-j", "1"]`); the input comes
    /// with each run.
    pub fn new(args: &[&str]) -> Result<Prepared, Error> {
        use clap::Parser;
        let cli = Cli::try_parse_from(args).map_err(|e| Error::usage(e.to_string()))?;
        let (reader, read): (Reader, &ReadArgs) = match (&cli.command, cli.command.activity()) {
            (_, Some(activity)) => {
                let (kind, a) = activity?;
                (Reader::Activity(resolve::activity(a, kind)?), &a.read)
            }
            (Command::Praudit(a), _) => (Reader::Praudit(resolve::praudit(a)?), &a.read),
            (Command::Json(a), _) => (Reader::Json, &a.read),
            (Command::Commands(a), _) => (Reader::Commands(resolve::commands(a)?), &a.read),
            (Command::Hunt(a), _) => {
                let rules = tools::hunt::Rules::load(&a.sigma, resolve::hunt_format(a))?;
                (Reader::Hunt(rules), &a.read)
            }
            _ => return Err(Error::usage("not a reading tool")),
        };
        // Every arm above is a reading tool.
        let tool = cli
            .command
            .tool()
            .ok_or_else(|| Error::usage("not a reading tool"))?;
        let reading = tools::Reading {
            inputs: Inputs::files(&[]),
            given: read.into(),
        };
        let settings = reading.settings(&Env::default(), tool, &mut io::sink())?;
        Ok(Prepared { reader, settings })
    }

    /// Runs the tool on `input` (read as stdin would be); returns the exit code, stdout and
    /// stderr.
    pub fn run(&mut self, input: &[u8]) -> io::Result<(i32, Vec<u8>, Vec<u8>)> {
        let source = crate::read::input::Source::Memory(input.into());
        let info = crate::read::pipeline::SourceInfo {
            name: "-".into(),
            host: None,
            streaming: false,
            piped: false,
            trail: None,
        };
        self.settings.sources = vec![(source, info)];
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = self
            .reader
            .run_on(&self.settings, Terminals::default(), &mut out, &mut err)?;
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
