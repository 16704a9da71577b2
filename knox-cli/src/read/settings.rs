//! A tool's reading options resolved once into what it reads: the inputs, the time zone, where
//! names come from, the event and class tables, the selection and the number of threads.

use std::path::PathBuf;
use std::sync::Arc;

use bsm_format::tables::{ClassTable, EventTable};
use knox_model::Acts;

use crate::error::Error;
use crate::read::accounts::Accounts;
use crate::read::filter::Filter;
use crate::read::input::{self, Source};
use crate::read::pipeline::{self, SourceInfo};
use crate::time::{Clock, Zone};
use knox_read::tables::EventSource;
pub use knox_read::tables::TableFiles;

/// Where a reading command's records come from.
pub struct Inputs<'a> {
    /// `--live CLASSES` and the classes used when none are given.
    pub live: Option<(&'a str, &'a str)>,
    pub follow: bool,
    pub files: &'a [PathBuf],
}

impl<'a> Inputs<'a> {
    /// Files, directories or stdin.
    pub fn files(files: &'a [PathBuf]) -> Inputs<'a> {
        Inputs {
            live: None,
            follow: false,
            files,
        }
    }
}

/// The reading options as the command line gave them, whichever flag style it used.
pub struct Given<'a> {
    pub utc: bool,
    pub json_zone: bool,
    pub threads: Option<usize>,
    pub batch_bytes: Option<usize>,
    pub host: Option<&'a str>,
    pub passwd: Option<&'a std::path::Path>,
    pub group: Option<&'a std::path::Path>,
    /// Where the event and class tables come from.
    pub events: TableFiles,
    pub select: crate::read::filter::Spec,
    /// Bytes read in place of stdin.
    pub stdin: Option<Arc<[u8]>>,
}

impl Given<'static> {
    /// The defaults (local times, this machine's names, every record, one thread), with these
    /// tables.
    pub fn tables(events: TableFiles) -> Given<'static> {
        Given {
            utc: false,
            json_zone: false,
            threads: Some(1),
            batch_bytes: None,
            host: None,
            passwd: None,
            group: None,
            events,
            select: Default::default(),
            stdin: None,
        }
    }
}

/// Everything a reading tool needs, resolved from its reading options.
pub struct Settings {
    /// The tool, as messages name it (`knox ps`).
    pub what: &'static str,
    pub sources: Sources,
    pub zone: Zone,
    /// JSON times in `zone` rather than UTC.
    pub json_zone: bool,
    pub accounts: Accounts,
    pub events: EventTable,
    pub event_source: EventSource,
    pub classes: ClassTable,
    pub acts: Acts,
    pub filter: Filter,
    pub threads: usize,
    /// Bytes of input per batch.
    pub batch: usize,
    /// Files the inputs named but that are not read, each with why.
    pub skipped: Vec<String>,
    /// Long runs draw a progress bar on stderr (it is a terminal).
    pub progress_bar: bool,
}

/// The number of threads when `-j` is not given: the cores this process may use.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

impl Settings {
    /// Resolves the shared reading options; the error is a usage message.
    pub fn resolve(
        what: &'static str,
        inputs: Inputs<'_>,
        given: Given<'_>,
    ) -> Result<Settings, Error> {
        let tables = Tables::load(&given.events)?;
        let (mut sources, skipped) = sources(&inputs, &given.events, given.host)?;
        if let Some(bytes) = &given.stdin {
            for (s, _) in &mut sources {
                if *s == Source::Stdin {
                    *s = Source::Memory(bytes.clone());
                }
            }
        }
        let accounts = Accounts::new(given.passwd, given.group).map_err(|source| Error::Read {
            what: "",
            path: given
                .passwd
                .or(given.group)
                .unwrap_or(std::path::Path::new(""))
                .to_path_buf(),
            source,
        })?;
        let filter = Filter::new(
            &given.select,
            &tables.events,
            &tables.classes,
            &accounts,
            given.utc,
        )?;
        Ok(Settings {
            what,
            sources,
            zone: if given.utc { Zone::Utc } else { Zone::Local },
            json_zone: given.json_zone,
            accounts,
            acts: Acts::new(&tables.events),
            events: tables.events,
            event_source: tables.event_source,
            classes: tables.classes,
            filter,
            threads: given.threads.unwrap_or_else(default_threads).max(1),
            batch: given
                .batch_bytes
                .unwrap_or(bsm_format::DEFAULT_BATCH)
                .max(1),
            skipped,
            progress_bar: false,
        })
    }

    /// How the record loop runs for this tool.
    pub fn loop_options(&self) -> pipeline::Options {
        let mut o = pipeline::Options::new(self.what, self.threads);
        o.batch = self.batch;
        o
    }

    /// A clock for text output.
    pub fn text_clock(&self) -> Clock {
        self.context().text_clock()
    }

    /// A clock for JSON output.
    pub fn json_clock(&self) -> Clock {
        self.context().json_clock()
    }

    /// Whether records arrive over time (a followed trail, the live pipe).
    pub fn streaming(&self) -> bool {
        self.sources.iter().any(|(s, _)| s.is_live())
    }

    /// What the tools' printers read of these settings.
    pub fn context(&self) -> Context<'_> {
        let mut hosts = self.sources.iter().map(|(_, i)| i.host.as_deref());
        let first = hosts.next().flatten();
        Context {
            accounts: &self.accounts,
            events: &self.events,
            zone: self.zone,
            json_zone: self.json_zone,
            many_hosts: hosts.any(|h| h != first),
            streaming: self.streaming(),
        }
    }
}

/// What the tools' printers and exports read: names, the event table and the clocks, and two
/// facts of the inputs. They get this, not the whole [`Settings`] (sources, threads, selection
/// are the record loop's).
#[derive(Clone, Copy)]
pub struct Context<'a> {
    pub accounts: &'a Accounts,
    pub events: &'a EventTable,
    pub zone: Zone,
    /// JSON times in `zone` rather than UTC.
    pub json_zone: bool,
    /// The inputs come from more than one host (text reports then show a host column).
    pub many_hosts: bool,
    /// Records arrive over time (a followed trail, the live pipe).
    pub streaming: bool,
}

impl Context<'_> {
    /// A clock for text output.
    pub fn text_clock(&self) -> Clock {
        Clock::text(self.zone)
    }

    /// A clock for JSON output.
    pub fn json_clock(&self) -> Clock {
        Clock::json(self.zone, self.json_zone)
    }
}

/// The event and class tables.
pub struct Tables {
    pub events: EventTable,
    pub event_source: EventSource,
    pub classes: ClassTable,
}

impl Tables {
    /// Loads the tables the options name (the embedded ones by default).
    pub fn load(opts: &TableFiles) -> Result<Tables, Error> {
        let named = |p: &Option<std::path::PathBuf>| p.clone().unwrap_or_default();
        let (events, event_source) = opts.load().map_err(|source| Error::Read {
            what: "event table ",
            path: named(&opts.events),
            source,
        })?;
        let classes = opts.load_classes().map_err(|source| Error::Read {
            what: "class table ",
            path: named(&opts.classes),
            source,
        })?;
        Ok(Tables {
            events,
            event_source,
            classes,
        })
    }
}

/// The sources of a reading command with what the tools know of each.
pub type Sources = Vec<(Source, SourceInfo)>;

/// The sources of a reading command with what the tools know of each, and the files passed over.
fn sources(
    inputs: &Inputs<'_>,
    events: &TableFiles,
    host: Option<&str>,
) -> Result<(Sources, Vec<String>), Error> {
    let expanded = match inputs.live {
        Some((classes, default)) => {
            let c = if classes.is_empty() { default } else { classes };
            let table = events
                .load_classes()
                .map_err(|e| Error::System(crate::read::report::io_text(&e)))?;
            let spec = crate::read::input::LiveSpec {
                flags: bsm_format::tables::parse_flags(c, &table).map_err(Error::Usage)?,
                naflags: Default::default(),
                qlimit: None,
                policy: bsm_io::auditon::Policy::empty(),
                open: crate::read::live::open_stream,
            };
            input::Expanded {
                inputs: vec![input::Input {
                    source: Source::Live(spec),
                    host: None,
                    trail: None,
                }],
                skipped: Vec::new(),
            }
        }
        None if inputs.follow => input::Expanded {
            inputs: input::follow(inputs.files)
                .into_iter()
                .map(|source| input::Input {
                    source,
                    host: None,
                    trail: None,
                })
                .collect(),
            skipped: Vec::new(),
        },
        None => input::expand(inputs.files)
            .map_err(|e| Error::System(crate::read::report::io_text(&e)))?,
    };
    let list = expanded
        .inputs
        .into_iter()
        .map(|i| {
            // --host wins over what the names say.
            let host = host.map(str::to_string).or(i.host);
            let info = SourceInfo {
                name: i.source.name().into(),
                host: host.map(Arc::from),
                streaming: i.source.is_live(),
                piped: i.source.is_piped(),
                trail: i.trail,
            };
            (i.source, info)
        })
        .collect();
    Ok((list, expanded.skipped))
}
