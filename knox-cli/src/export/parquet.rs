//! Parquet tables in Hive-style partitions (`host=H/day=YYYY-MM-DD/`, and for OCSF
//! `class=C/host=H/day=D/`) that DuckDB, Spark and Trino read as they are.
//!
//! Rows are the lines the other formats write (`records`: one flat row per record; `ocsf`: the
//! OCSF event), decoded into Arrow with a fixed schema (so every file of a table has the same
//! columns) and written with the Apache Arrow crates: snappy-compressed, in row groups of at most
//! [`ROW_GROUP`] rows. Memory holds at most one row group per open partition, and at most
//! [`MAX_OPEN`] partitions are open: the one written longest ago is closed first. The reading
//! thread gathers each partition's rows; decoding them into Arrow and encoding Parquet, the
//! costly part, is done by writing threads (`-j N`; on the reading thread at `-j 1`), each
//! partition always by the same one, so that its rows keep their order. Each run writes
//! new files (`part-<time>-<pid>-<n>.parquet`, renamed into place when complete), so exporting more
//! trails into the same directory adds files and never rewrites old ones.

use std::collections::HashMap;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_json::reader::Decoder;
use arrow_schema::{DataType, Field, Fields, Schema, SchemaRef, TimeUnit};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use parquet::schema::types::ColumnPath;

/// Rows per row group (DuckDB and Spark read row groups in parallel; memory holds one per open
/// partition).
pub const ROW_GROUP: usize = 16_384;

/// Rows decoded at a time (what memory holds per partition, besides the writer's encoded row
/// group).
pub const DECODE_BATCH: usize = 4096;

/// Most partitions open at once.
pub const MAX_OPEN: usize = 64;

/// Which table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Table {
    /// One row per record: typed columns for the common fields, and every token as JSON.
    Records,
    /// One row per OCSF event, one table per class.
    Ocsf,
}

fn utf8(name: &str) -> Field {
    Field::new(name, DataType::Utf8, true)
}

fn int(name: &str, t: DataType) -> Field {
    Field::new(name, t, true)
}

fn strings(name: &str) -> Field {
    Field::new(
        name,
        DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))),
        true,
    )
}

fn strukt(name: &str, fields: Vec<Field>) -> Field {
    Field::new(name, DataType::Struct(Fields::from(fields)), true)
}

fn time(name: &str) -> Field {
    Field::new(
        name,
        // An offset, not a zone name: the readers need no time zone database, and Parquet marks
        // the column as UTC-adjusted either way.
        DataType::Timestamp(TimeUnit::Millisecond, Some("+00:00".into())),
        true,
    )
}

/// The `records` table (partition columns `host` and `day` come from the directories).
pub fn records_schema() -> SchemaRef {
    use DataType::*;
    Arc::new(Schema::new(vec![
        time("time"),
        utf8("file"),
        int("offset", Int64),
        int("length", Int64),
        utf8("kind"),
        int("event", Int32),
        utf8("event_name"),
        utf8("act"),
        int("modifier", Int32),
        Field::new("success", Boolean, true),
        int("errno", Int32),
        utf8("errno_name"),
        int("return_value", Int64),
        int("pid", Int64),
        int("ppid", Int64),
        utf8("process_id"),
        utf8("parent_id"),
        utf8("command_line"),
        int("auid", Int64),
        int("euid", Int64),
        int("egid", Int64),
        int("ruid", Int64),
        int("rgid", Int64),
        int("session", Int64),
        utf8("terminal"),
        utf8("user"),
        strings("paths"),
        strings("argv"),
        strings("envp"),
        utf8("text"),
        utf8("remote_address"),
        utf8("local_address"),
        int("seq", Int64),
        int("exit_status", Int64),
        utf8("error"),
        utf8("tokens"),
    ]))
}

fn user(name: &str) -> Field {
    strukt(
        name,
        vec![utf8("uid"), utf8("name"), int("type_id", DataType::Int32)],
    )
}

fn process(name: &str) -> Field {
    use DataType::*;
    strukt(
        name,
        vec![
            int("pid", Int64),
            utf8("uid"),
            int("created_time", Int64),
            utf8("name"),
            utf8("cmd_line"),
            strukt(
                "file",
                vec![utf8("path"), utf8("name"), int("type_id", Int32)],
            ),
            strukt("parent_process", vec![int("pid", Int64), utf8("uid")]),
            user("user"),
            int("auid", Int64),
            int("euid", Int64),
            int("egid", Int64),
        ],
    )
}

fn file(name: &str) -> Field {
    strukt(
        name,
        vec![
            utf8("path"),
            utf8("name"),
            int("type_id", DataType::Int32),
            user("owner"),
        ],
    )
}

fn endpoint(name: &str) -> Field {
    strukt(
        name,
        vec![
            utf8("name"),
            utf8("ip"),
            int("port", DataType::Int32),
            utf8("hostname"),
        ],
    )
}

/// The OCSF table: every attribute knox writes, for every class (a class's file leaves the
/// others' attributes null), with `time` as a timestamp and `unmapped` as JSON text.
pub fn ocsf_schema() -> SchemaRef {
    use DataType::*;
    Arc::new(Schema::new(vec![
        int("class_uid", Int32),
        utf8("class_name"),
        int("category_uid", Int32),
        utf8("category_name"),
        int("activity_id", Int32),
        utf8("activity_name"),
        int("type_uid", Int64),
        utf8("type_name"),
        int("severity_id", Int32),
        utf8("severity"),
        time("time"),
        int("status_id", Int32),
        utf8("status"),
        utf8("status_code"),
        utf8("status_detail"),
        utf8("message"),
        strukt(
            "metadata",
            vec![
                utf8("version"),
                strukt(
                    "product",
                    vec![utf8("name"), utf8("vendor_name"), utf8("version")],
                ),
                strings("profiles"),
                utf8("event_code"),
                utf8("log_name"),
                utf8("uid"),
            ],
        ),
        strukt(
            "device",
            vec![
                int("type_id", Int32),
                utf8("name"),
                utf8("hostname"),
                utf8("ip"),
            ],
        ),
        strukt(
            "actor",
            vec![
                process("process"),
                user("user"),
                strukt("session", vec![utf8("uid")]),
            ],
        ),
        process("process"),
        int("exit_code", Int32),
        file("file"),
        file("file_result"),
        endpoint("src_endpoint"),
        endpoint("dst_endpoint"),
        strukt("connection_info", vec![int("direction_id", Int32)]),
        user("user"),
        strukt("session", vec![utf8("uid")]),
        strukt("service", vec![utf8("name")]),
        utf8("log_name"),
        utf8("unmapped"),
    ]))
}

/// A partition value as a directory name: Hive-style escapes for what a path cannot hold.
pub fn escape(v: &str) -> String {
    let mut s = String::with_capacity(v.len());
    for c in v.chars() {
        if c.is_ascii_alphanumeric() || "-_.:@ ".contains(c) {
            s.push(c);
        } else {
            let mut b = [0u8; 4];
            for byte in c.encode_utf8(&mut b).bytes() {
                s.push_str(&format!("%{byte:02X}"));
            }
        }
    }
    if s.is_empty() || s == "." || s == ".." {
        s = format!("%{:02X}{}", b'.', &s[s.len().min(1)..]);
    }
    s
}

/// A partition's file as the writing thread holds it.
struct Open {
    decoder: Decoder,
    writer: ArrowWriter<File>,
    /// Where the file is written, and where it goes when complete.
    tmp: PathBuf,
    path: PathBuf,
}

/// A partition as the reading side sees it: its rows not yet handed to its writer.
struct Slot {
    id: u64,
    lines: Vec<u8>,
    rows: usize,
    last_use: u64,
}

/// Work for a partition's writer, in the partition's row order.
enum Job {
    /// A new file: `.tmp` while written, renamed to `path` when closed.
    Start {
        id: u64,
        file: File,
        tmp: PathBuf,
        path: PathBuf,
    },
    /// Rows as JSON lines.
    Rows { id: u64, lines: Vec<u8> },
    /// The partition is complete.
    Close { id: u64 },
}

/// A partition: the OCSF class (none for the records table), the host, and the day (days
/// since the epoch, UTC).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    pub class: Option<&'static str>,
    pub host: Option<Arc<str>>,
    pub day: u64,
}

impl Key {
    /// The partition's directory, relative to the table's: `[class=C/]host=H/day=YYYY-MM-DD`.
    fn rel(&self) -> String {
        let day = bsm_format::Time::new(self.day * 86_400, 0)
            .to_utc()
            .map_or_else(
                || "unknown".to_string(),
                |d| d.format("%Y-%m-%d").to_string(),
            );
        let host = escape(self.host.as_deref().unwrap_or("unknown"));
        match self.class {
            None => format!("host={host}/day={day}"),
            Some(c) => format!("class={c}/host={host}/day={day}"),
        }
    }
}

/// Does a job: decoding rows into Arrow and encoding them into Parquet, the costly part of the
/// export.
fn run_job(schema: &SchemaRef, open: &mut HashMap<u64, Open>, job: Job) -> io::Result<()> {
    match job {
        Job::Start {
            id,
            file,
            tmp,
            path,
        } => {
            // Long texts that are all different (every token, the OCSF unmapped part, messages,
            // record places) gain nothing from a dictionary and only cost memory building one.
            let mut props = WriterProperties::builder();
            for c in ["tokens", "unmapped", "message", "metadata.uid", "error"] {
                props = props.set_column_dictionary_enabled(ColumnPath::from(c), false);
            }
            let props = props
                .set_compression(Compression::SNAPPY)
                .set_max_row_group_size(ROW_GROUP)
                .set_created_by(format!("knox {}", env!("CARGO_PKG_VERSION")))
                .build();
            let writer = ArrowWriter::try_new(file, schema.clone(), Some(props))
                .map_err(io::Error::other)?;
            let decoder = arrow_json::ReaderBuilder::new(schema.clone())
                .with_batch_size(DECODE_BATCH)
                .build_decoder()
                .map_err(io::Error::other)?;
            open.insert(
                id,
                Open {
                    decoder,
                    writer,
                    tmp,
                    path,
                },
            );
        }
        Job::Rows { id, lines } => {
            let Some(o) = open.get_mut(&id) else {
                return Err(io::Error::other(format!(
                    "Parquet rows for file {id}, not open"
                )));
            };
            let mut rest = lines.as_slice();
            while !rest.is_empty() {
                let n = o.decoder.decode(rest).map_err(io::Error::other)?;
                rest = &rest[n..];
                // The decoder's batch is full, or every line is in it.
                write_batch(o)?;
            }
        }
        Job::Close { id } => {
            if let Some(mut o) = open.remove(&id) {
                write_batch(&mut o)?;
                o.writer.close().map_err(io::Error::other)?;
                std::fs::rename(&o.tmp, &o.path)?;
            }
        }
    }
    Ok(())
}

fn write_batch(o: &mut Open) -> io::Result<()> {
    if let Some(batch) = o.decoder.flush().map_err(io::Error::other)? {
        o.writer.write(&batch).map_err(io::Error::other)?;
    }
    Ok(())
}

/// Where the jobs are done. Each partition is written by one thread, so its rows stay in order
/// and the files are the same whatever the number of threads.
enum Writers {
    /// `-j 1`: on the reading thread.
    Here {
        schema: SchemaRef,
        open: HashMap<u64, Open>,
    },
    /// Partition `id` is written by thread `id % len`.
    Threads(Vec<WriterThread>),
}

struct WriterThread {
    /// None once every job is sent.
    jobs: Option<std::sync::mpsc::SyncSender<Job>>,
    handle: Option<std::thread::JoinHandle<io::Result<()>>>,
}

/// Jobs waiting for each writing thread (each at most [`DECODE_BATCH`] rows).
const JOBS_WAITING: usize = 2;

impl WriterThread {
    fn spawn(schema: SchemaRef) -> WriterThread {
        let (jobs, rx) = std::sync::mpsc::sync_channel::<Job>(JOBS_WAITING);
        let handle = std::thread::spawn(move || {
            let mut open = HashMap::new();
            // The first error ends the thread: the reading side learns of it at its next job.
            for job in rx {
                run_job(&schema, &mut open, job)?;
            }
            Ok(())
        });
        WriterThread {
            jobs: Some(jobs),
            handle: Some(handle),
        }
    }

    /// Waits for the thread to end; its error, if it had one.
    fn join(&mut self) -> io::Result<()> {
        match self.handle.take().map(|h| h.join()) {
            None => Ok(()),
            Some(Ok(r)) => r,
            Some(Err(_)) => Err(io::Error::other("a Parquet writing thread failed")),
        }
    }
}

impl Writers {
    fn new(schema: SchemaRef, threads: usize) -> Writers {
        if threads <= 1 {
            Writers::Here {
                schema,
                open: HashMap::new(),
            }
        } else {
            Writers::Threads(
                (0..threads)
                    .map(|_| WriterThread::spawn(schema.clone()))
                    .collect(),
            )
        }
    }

    fn send(&mut self, id: u64, job: Job) -> io::Result<()> {
        match self {
            Writers::Here { schema, open } => run_job(schema, open, job),
            Writers::Threads(threads) => {
                let n = threads.len() as u64;
                let t = &mut threads[(id % n) as usize];
                let sent = t.jobs.as_ref().is_some_and(|j| j.send(job).is_ok());
                if !sent {
                    // The thread ended on an error: that error is the answer.
                    t.join()?;
                    return Err(io::Error::other("a Parquet writing thread ended"));
                }
                Ok(())
            }
        }
    }

    /// Waits for every job to be done.
    fn finish(self) -> io::Result<()> {
        let Writers::Threads(threads) = self else {
            return Ok(());
        };
        let mut first = Ok(());
        for mut t in threads {
            // No more jobs: the thread ends once it has done those it has.
            t.jobs = None;
            let r = t.join();
            if first.is_ok() {
                first = r;
            }
        }
        first
    }
}

/// The partitions of one export run.
pub struct Partitions {
    dir: PathBuf,
    open: HashMap<Key, Slot>,
    writers: Option<Writers>,
    run: String,
    files: u64,
    clock: u64,
    /// Rows written.
    pub rows: u64,
}

/// Bytes of rows a partition gathers before handing them to its writer (or [`DECODE_BATCH`]
/// rows, whichever comes first).
const GATHER_BYTES: usize = 4 << 20;

impl Partitions {
    /// Partitions under `dir`, encoded on `threads` threads besides the reading one (with 1,
    /// everything on the reading thread).
    pub fn new(dir: &Path, table: Table, threads: usize) -> io::Result<Partitions> {
        std::fs::create_dir_all(dir).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("{}: {}", dir.display(), crate::report::io_text(&e)),
            )
        })?;
        let since = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        let schema = match table {
            Table::Records => records_schema(),
            Table::Ocsf => ocsf_schema(),
        };
        Ok(Partitions {
            dir: dir.to_path_buf(),
            open: HashMap::new(),
            writers: Some(Writers::new(schema, threads)),
            run: format!("{since}-{}", std::process::id()),
            files: 0,
            clock: 0,
            rows: 0,
        })
    }

    fn writers(&mut self) -> io::Result<&mut Writers> {
        self.writers
            .as_mut()
            .ok_or_else(|| io::Error::other("the Parquet export is finished"))
    }

    /// Adds a row (one JSON line) to a partition.
    pub fn add(&mut self, key: &Key, line: &[u8]) -> io::Result<()> {
        self.clock += 1;
        if !self.open.contains_key(key) {
            if self.open.len() >= MAX_OPEN {
                self.close_oldest()?;
            }
            let slot = self.start(&key.rel())?;
            self.open.insert(key.clone(), slot);
        }
        let clock = self.clock;
        let Some(slot) = self.open.get_mut(key) else {
            return Ok(());
        };
        slot.last_use = clock;
        slot.lines.extend_from_slice(line);
        slot.lines.push(b'\n');
        slot.rows += 1;
        self.rows += 1;
        if slot.rows >= DECODE_BATCH || slot.lines.len() >= GATHER_BYTES {
            let (id, lines) = (slot.id, std::mem::take(&mut slot.lines));
            slot.rows = 0;
            self.writers()?.send(id, Job::Rows { id, lines })?;
        }
        Ok(())
    }

    fn start(&mut self, rel: &str) -> io::Result<Slot> {
        let dir = self.dir.join(rel);
        std::fs::create_dir_all(&dir).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("{}: {}", dir.display(), crate::report::io_text(&e)),
            )
        })?;
        self.files += 1;
        let id = self.files;
        let name = format!("part-{}-{}.parquet", self.run, id);
        // Readers skip names that start with a dot: a file becomes visible when complete.
        let tmp = dir.join(format!(".{name}.tmp"));
        let file = File::create(&tmp)?;
        let path = dir.join(name);
        self.writers()?.send(
            id,
            Job::Start {
                id,
                file,
                tmp,
                path,
            },
        )?;
        Ok(Slot {
            id,
            lines: Vec::new(),
            rows: 0,
            last_use: 0,
        })
    }

    /// Hands the partition's last rows to its writer and has the file completed.
    fn close(&mut self, slot: Slot) -> io::Result<()> {
        let id = slot.id;
        let writers = self.writers()?;
        if !slot.lines.is_empty() {
            writers.send(
                id,
                Job::Rows {
                    id,
                    lines: slot.lines,
                },
            )?;
        }
        writers.send(id, Job::Close { id })
    }

    fn close_oldest(&mut self) -> io::Result<()> {
        let Some(key) = self
            .open
            .iter()
            .min_by_key(|(_, o)| o.last_use)
            .map(|(k, _)| k.clone())
        else {
            return Ok(());
        };
        if let Some(slot) = self.open.remove(&key) {
            self.close(slot)?;
        }
        Ok(())
    }

    /// Closes every partition and waits for the writers: the files are complete.
    pub fn finish(&mut self) -> io::Result<()> {
        let mut keys: Vec<Key> = self.open.keys().cloned().collect();
        keys.sort_by_key(|k| k.rel());
        let mut result = Ok(());
        for k in keys {
            if let Some(slot) = self.open.remove(&k) {
                if let Err(e) = self.close(slot) {
                    result = Err(e);
                    break;
                }
            }
        }
        let done = self.writers.take().map_or(Ok(()), Writers::finish);
        result.and(done)
    }

    /// How many files were written.
    pub fn files(&self) -> u64 {
        self.files
    }
}

/// The partition of a record.
pub fn partition(table: Table, host: Option<&Arc<str>>, ev: &knox_model::Event) -> Key {
    Key {
        class: match table {
            Table::Records => None,
            Table::Ocsf => Some(super::ocsf::mapping_of(ev).class.schema_name()),
        },
        host: host.cloned(),
        day: ev.time.sec / 86_400,
    }
}
