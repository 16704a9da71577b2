//! # knox-arrow
//!
//! BSM audit trails as Apache Arrow record batches, built straight from the decoder's tokens
//! and `knox-model`'s facts (no text in between), and written as Parquet.
//!
//! * [`schema`]: the three tables, each defined once: `records` (one row per record),
//!   `tokens` (one row per token, one typed column per token field) and `ocsf` (one row per
//!   OCSF 1.8.0 event, its objects as nested structs).
//! * [`Rows`] and [`Assemble`]: the table builders as a mapper and a sink of the one record
//!   loop (`knox_read::pipeline`): what a record says by itself is built on the loop's
//!   threads; what only the process model knows is added in input order. The batches are the
//!   same at any number of threads.
//! * [`parquet`]: Hive-partitioned Parquet tables (`host=H/day=D/`), the same files at any
//!   number of threads.
//! * [`stream`]: the batches of a set of sources as an iterator, read on a thread of its own
//!   (what the Python package hands to pyarrow through the Arrow C stream interface).

#![forbid(unsafe_code)]

mod columns;
mod model;
mod ocsf;
pub mod parquet;
mod records;
pub mod schema;
pub mod stream;
mod tokens;

use std::collections::HashMap;
use std::io;
use std::sync::Arc;

use bsm_format::tables::EventTable;
use bsm_format::{Batch, Record};
use bytes::Bytes;
use knox_model::{Acts, Event, Model};
use knox_read::accounts::Accounts;
use knox_read::pipeline::{Mapper, Sink, SourceInfo};

pub use arrow_array::RecordBatch;
pub use model::Cache;
pub use schema::Table;

/// Which records a table keeps (the tools' record selection), given a record.
pub type Select = dyn Fn(&Record<'_>) -> bool + Send + Sync;

/// What the tables are built with: the table, the names of events and users, and the record
/// selection.
#[derive(Clone)]
pub struct Options {
    /// Which table.
    pub table: Table,
    /// The event table (event names, descriptions).
    pub events: Arc<EventTable>,
    /// Which act each event is.
    pub acts: Arc<Acts>,
    /// User names.
    pub accounts: Accounts,
    /// The records to keep (all when none).
    pub select: Option<Arc<Select>>,
    /// Batches as the Parquet export's partitions hold the rows: the tokens table in one batch
    /// per token type, each with its type's columns only (`type=T/`), the OCSF table in one
    /// batch per class (`class=C/`), rather than every row in input order in the table's own
    /// schema.
    pub split: bool,
}

impl Options {
    /// Options for a table, naming events with `events` and users with `accounts`, keeping
    /// every record.
    pub fn new(table: Table, events: EventTable, accounts: Accounts) -> Options {
        let acts = Acts::new(&events);
        Options {
            table,
            events: Arc::new(events),
            acts: Arc::new(acts),
            accounts,
            select: None,
            split: false,
        }
    }
}

/// Names as one thread looks them up: its own copy of the accounts, and the user names it
/// looked up last.
pub(crate) struct Context<'o> {
    pub(crate) events: &'o EventTable,
    accounts: Accounts,
    users: HashMap<u32, Option<Arc<str>>>,
}

/// Most user names a thread keeps (a hostile trail can name every uid there is).
const USERS_KEPT: usize = 4096;

impl<'o> Context<'o> {
    fn new(o: &'o Options) -> Context<'o> {
        Context {
            events: &o.events,
            accounts: o.accounts.clone(),
            users: HashMap::new(),
        }
    }

    /// A user's name, if it has one.
    pub(crate) fn user_name(&mut self, uid: u32) -> Option<Arc<str>> {
        if let Some(n) = self.users.get(&uid) {
            return n.clone();
        }
        if self.users.len() >= USERS_KEPT {
            self.users.clear();
        }
        let n: Option<Arc<str>> = self.accounts.user_name(uid).map(Into::into);
        self.users.insert(uid, n.clone());
        n
    }
}

/// A table's columns as the loop's threads build them.
enum Local {
    Records(Box<records::Local>),
    Tokens(Box<tokens::Local>),
    TokenTypes(tokens::Types),
    Ocsf(ocsf::ByClass<Box<ocsf::Local>>),
}

/// What a part's records filled, waiting for the process model.
enum LocalPart {
    Records(Vec<arrow_array::ArrayRef>, arrow_array::Date32Array),
    Tokens(
        arrow_schema::SchemaRef,
        Vec<arrow_array::ArrayRef>,
        arrow_array::Date32Array,
    ),
    TokenTypes(Vec<tokens::TypePart>),
    Ocsf(Vec<(usize, ocsf::LocalPart)>),
}

/// A record on its way to the process model: its facts, whether it has a row, and its OCSF
/// class (for the OCSF table).
struct Item {
    ev: Event,
    selected: bool,
    class: knox_model::ocsf::Class,
}

/// The rows of one batch of input, before the process model has seen them.
pub struct Part {
    local: LocalPart,
    items: Vec<Item>,
}

/// The loop's mapper: builds what each record says by itself. One per thread.
pub struct Rows<'o> {
    opts: &'o Options,
    cx: Context<'o>,
    local: Local,
    items: Vec<Item>,
}

impl<'o> Rows<'o> {
    /// A mapper for `opts.table`.
    pub fn new(opts: &'o Options) -> Rows<'o> {
        Rows {
            opts,
            cx: Context::new(opts),
            local: match opts.table {
                Table::Records => Local::Records(Box::new(records::Local::new(1024))),
                Table::Tokens if opts.split => Local::TokenTypes(tokens::Types::new()),
                Table::Tokens => Local::Tokens(Box::new(tokens::Local::new())),
                Table::Ocsf => Local::Ocsf(ocsf::ByClass::new(opts.split)),
            },
            items: Vec::new(),
        }
    }
}

impl Mapper for Rows<'_> {
    type Part = Part;

    fn record(
        &mut self,
        src: &SourceInfo,
        batch: &Batch,
        rec: &Record<'_>,
    ) -> Option<bsm_format::Error> {
        let selected = self.opts.select.as_ref().is_none_or(|s| s(rec));
        let ev = match Event::parse(rec, &self.opts.acts) {
            Ok(Some(ev)) => ev,
            Ok(None) => {
                // A trail's `file` token: a row of the tokens table only.
                if selected {
                    match &mut self.local {
                        Local::Tokens(t) => t.record(&src.name, file_time(rec), rec),
                        Local::TokenTypes(t) => t.record(&src.name, file_time(rec), rec),
                        _ => {}
                    }
                }
                return None;
            }
            Err(e) => return Some(e),
        };
        let error = ev.error.clone();
        let mut class = knox_model::ocsf::Class::Base;
        match &mut self.local {
            Local::Tokens(t) => {
                if selected {
                    t.record(&src.name, ev.time, rec);
                }
                // The process model has nothing to add to tokens.
                return error;
            }
            Local::TokenTypes(t) => {
                if selected {
                    t.record(&src.name, ev.time, rec);
                }
                return error;
            }
            Local::Records(r) if selected => r.record(&mut self.cx, &src.name, &ev, rec),
            Local::Ocsf(o) if selected => {
                let (device, map) = ocsf::classify(src.host.as_deref(), &ev, rec);
                class = map.class;
                o.of(class, || Box::new(ocsf::Local::new(1024))).record(
                    &mut self.cx,
                    &src.name,
                    (&device, map),
                    &ev,
                );
            }
            _ => {}
        }
        let ev = ev.with_bytes(|b| {
            batch
                .shared(rec)
                .unwrap_or_else(|| Bytes::copy_from_slice(b))
        });
        self.items.push(Item {
            ev,
            selected,
            class,
        });
        error
    }

    fn take(&mut self) -> Part {
        let local = match &mut self.local {
            Local::Records(r) => {
                let (c, d) = r.take();
                LocalPart::Records(c, d)
            }
            Local::Tokens(t) => {
                let schema = t.batch_schema();
                let (c, d) = t.take();
                LocalPart::Tokens(schema, c, d)
            }
            Local::TokenTypes(t) => LocalPart::TokenTypes(t.take()),
            Local::Ocsf(o) => LocalPart::Ocsf(
                o.each()
                    .filter(|(_, l)| !l.is_empty())
                    .map(|(i, l)| (i, l.take()))
                    .collect(),
            ),
        };
        let next = Vec::with_capacity(self.items.len() + self.items.len() / 8);
        Part {
            local,
            items: std::mem::replace(&mut self.items, next),
        }
    }
}

/// The time of a trail's `file` token.
fn file_time(rec: &Record<'_>) -> bsm_format::Time {
    match rec.tokens().next() {
        Some(Ok(bsm_format::Token::File(f))) => f.time,
        _ => bsm_format::Time::new(0, 0),
    }
}

/// Where finished batches go.
pub trait Output {
    /// A batch of rows (with the table's place columns), in input order.
    fn batch(&mut self, batch: RecordBatch) -> io::Result<()>;
    /// The input has ended.
    fn finish(&mut self) -> io::Result<()> {
        Ok(())
    }
    /// A decode problem (already reported by the loop when it reports problems).
    fn problem(&mut self, _p: &knox_read::problem::Problem) {}
    /// An input that could not be read (already reported by the loop).
    fn unreadable(&mut self, _name: &str, _e: &io::Error) {}
    /// How far the source with this index has been read, in bytes.
    fn progress(&mut self, _source: usize, _done: u64) {}
}

/// The process model's side of a table.
enum Processes {
    None,
    Records(Box<records::Processes>),
    Ocsf(ocsf::ByClass<Box<ocsf::Processes>>),
}

/// The loop's sink: the process model takes every record in input order, the model's columns
/// are added to each part's, and the batches go to the output.
pub struct Assemble<'o, O: Output> {
    cx: Context<'o>,
    model: Model<Cache>,
    processes: Processes,
    /// Where the batches go.
    pub output: O,
    /// Rows written.
    pub rows: u64,
}

impl<'o, O: Output> Assemble<'o, O> {
    /// A sink for `opts.table` writing to `output`.
    pub fn new(opts: &'o Options, output: O) -> Assemble<'o, O> {
        Assemble {
            cx: Context::new(opts),
            model: Model::new(),
            processes: match opts.table {
                Table::Records => Processes::Records(Box::new(records::Processes::new(1024))),
                Table::Tokens => Processes::None,
                Table::Ocsf => Processes::Ocsf(ocsf::ByClass::new(opts.split)),
            },
            output,
            rows: 0,
        }
    }
}

impl<O: Output> Sink<Part> for Assemble<'_, O> {
    fn apply(&mut self, part: Part, src: &SourceInfo) -> io::Result<()> {
        let host = self.model.host(src.host.as_deref());
        for item in &part.items {
            let before = match &mut self.processes {
                Processes::Ocsf(p) if item.selected => p
                    .of(item.class, || Box::new(ocsf::Processes::new(1024)))
                    .before(&self.model, host, &item.ev, &mut self.cx),
                _ => false,
            };
            self.model.apply(host, &item.ev);
            if item.selected {
                match &mut self.processes {
                    Processes::Records(p) => {
                        let subject = item
                            .ev
                            .subject
                            .and_then(|s| self.model.running_pid(host, s.pid));
                        p.row(subject);
                    }
                    Processes::Ocsf(p) => p
                        .of(item.class, || Box::new(ocsf::Processes::new(1024)))
                        .after(
                            &self.model,
                            host,
                            &item.ev,
                            (before, item.class),
                            &mut self.cx,
                        ),
                    Processes::None => {}
                }
            }
            // Ended processes are simply forgotten.
            self.model.changes().for_each(drop);
        }
        let host_name = src.host.as_deref();
        let batches = match (part.local, &mut self.processes) {
            (LocalPart::Records(c, d), Processes::Records(p)) => {
                vec![p.assemble(c, d, host_name)]
            }
            (LocalPart::Tokens(s, c, d), _) => vec![tokens::assemble(s, c, d, host_name)],
            (LocalPart::TokenTypes(parts), _) => parts
                .into_iter()
                .map(|t| tokens::assemble(t.schema, t.columns, t.days, host_name))
                .collect(),
            (LocalPart::Ocsf(parts), Processes::Ocsf(p)) => parts
                .into_iter()
                .map(|(i, l)| {
                    p.at(i, || Box::new(ocsf::Processes::new(1024)))
                        .assemble(l, host_name)
                })
                .collect(),
            _ => return Err(io::Error::other("a part of another table")),
        };
        for batch in batches {
            let batch = batch.map_err(io::Error::other)?;
            if batch.num_rows() > 0 {
                self.rows += batch.num_rows() as u64;
                self.output.batch(batch)?;
            }
        }
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        self.model.finish();
        self.model.changes().for_each(drop);
        self.output.finish()
    }

    fn problem(&mut self, p: &knox_read::problem::Problem) {
        self.output.problem(p);
    }

    fn unreadable(&mut self, name: &str, e: &io::Error) {
        self.output.unreadable(name, e);
    }

    fn progress(&mut self, source: usize, done: u64) {
        self.output.progress(source, done);
    }
}

/// Reads `sources` into `output` as `opts.table`'s batches, through the one record loop
/// (`loop_opts.threads` threads). Decode problems and unreadable sources are reported to
/// `err` and counted in the result.
pub fn run<'o, O: Output>(
    sources: &[(knox_read::source::Source, SourceInfo)],
    opts: &'o Options,
    loop_opts: &knox_read::pipeline::Options,
    output: O,
    err: &mut dyn io::Write,
) -> io::Result<(knox_read::problem::Problems, Assemble<'o, O>)> {
    let mut sink = Assemble::new(opts, output);
    let problems =
        knox_read::pipeline::run(sources, loop_opts, &|| Rows::new(opts), &mut sink, err)?;
    Ok((problems, sink))
}
