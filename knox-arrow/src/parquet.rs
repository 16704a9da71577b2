//! Parquet tables in Hive-style partitions (`host=H/day=YYYY-MM-DD/`; for OCSF
//! `class=C/host=H/day=D/`, for tokens `type=T/host=H/day=D/`) that DuckDB, Spark and Trino
//! read as they are.
//!
//! Batches come from [`crate::Assemble`] with their place columns (`host`, `day`); a batch's
//! rows are split by partition, the place columns are left to the directory names (and, for
//! OCSF, each class keeps its own columns), and each partition's rows are encoded by one of
//! `-j N` writing threads (on the calling thread at `-j 1`), the same partition always by the
//! same thread, so that its files hold the same rows in the same order at any N. Each OCSF
//! class keeps its own attributes, and each token type its own fields' columns. Files are
//! compressed with zstd, strings dictionary-encoded where they repeat, in row groups of at
//! most [`ROW_GROUP`] rows; memory holds at most one row group per open partition, and at
//! most [`MAX_OPEN`] partitions are open: the one written longest ago is closed first. Each
//! run writes new files (`part-<time>-<pid>-<n>.parquet`, renamed into place when complete),
//! so exporting more trails into the same directory adds files and never rewrites old ones.

use std::collections::HashMap;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Int32Type};
use arrow_array::{Array, RecordBatch, UInt32Array};
use arrow_schema::{DataType, SchemaRef};
use knox_model::ocsf::Class;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use parquet::schema::types::ColumnPath;

use crate::schema::{self, Table};

/// Rows per row group (DuckDB and Spark read row groups in parallel; memory holds one per open
/// partition).
pub const ROW_GROUP: usize = 65_536;

/// Most partitions open at once.
pub const MAX_OPEN: usize = 64;

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

/// A partition: the OCSF class (none for the other tables), the host, and the day (days since
/// the epoch, UTC).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    pub class: Option<Class>,
    /// The token type (the tokens table).
    pub ty: Option<Arc<str>>,
    pub host: Option<Arc<str>>,
    pub day: i32,
}

impl Key {
    /// The partition's directory, relative to the table's: `[class=C/]host=H/day=YYYY-MM-DD`.
    fn rel(&self) -> String {
        let (y, m, d) = civil(self.day);
        let day = format!("{y:04}-{m:02}-{d:02}");
        let host = escape(self.host.as_deref().unwrap_or("unknown"));
        match (self.class, &self.ty) {
            (Some(c), _) => format!("class={}/host={host}/day={day}", c.schema_name()),
            (None, Some(t)) => format!("type={}/host={host}/day={day}", escape(t)),
            (None, None) => format!("host={host}/day={day}"),
        }
    }
}

/// The calendar date of a day since the epoch (Howard Hinnant's `civil_from_days`).
fn civil(days: i32) -> (i64, u32, u32) {
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// A partition's file as its writing thread holds it.
struct Open {
    writer: ArrowWriter<File>,
    /// Where the file is written, and where it goes when complete.
    tmp: PathBuf,
    path: PathBuf,
}

/// Work for a partition's writer, in the partition's row order.
enum Job {
    /// A new file: `.tmp` while written, renamed to `path` when closed.
    Start {
        id: u64,
        file: File,
        schema: SchemaRef,
        tmp: PathBuf,
        path: PathBuf,
    },
    /// Rows.
    Rows { id: u64, batch: RecordBatch },
    /// The partition is complete.
    Close { id: u64 },
}

/// How the files are written: zstd at level 1 (measured against snappy and lz4 in
/// `benches/README.md`: files a third smaller at about the same speed), dictionaries for the
/// columns whose values repeat, none for the ones that do not, and statistics (min and max per
/// page, what lets DuckDB and Spark skip pages) for the numbers and times only: comparing every
/// string to keep its min and max costs more than it saves, since queries on text are rarely
/// ranges.
pub fn properties(table: Table) -> WriterProperties {
    use parquet::file::properties::EnabledStatistics;
    let mut props = WriterProperties::builder().set_statistics_enabled(EnabledStatistics::None);
    let unique: &[&str] = match table {
        Table::Records => &["offset", "time", "error", "terminal"],
        Table::Tokens => &["offset", "time_sec", "time_msec", "hex", "items"],
        Table::Ocsf => &["message", "metadata.uid", "time", "unmapped.bsm.offset"],
    };
    for c in unique {
        props = props.set_column_dictionary_enabled(ColumnPath::from(*c), false);
    }
    let full = table.schema();
    for f in full.fields() {
        if matches!(
            f.data_type(),
            DataType::Int32
                | DataType::Int64
                | DataType::UInt32
                | DataType::UInt64
                | DataType::Timestamp(..)
        ) {
            props = props.set_column_statistics_enabled(
                ColumnPath::from(f.name().as_str()),
                EnabledStatistics::Page,
            );
        }
    }
    if table == Table::Tokens {
        // Token fields are sparse and their numbers rarely repeat within a type: zstd alone
        // packs them as small as dictionaries do, faster (`benches/README.md`).
        for f in full.fields() {
            if !matches!(f.data_type(), DataType::Utf8 | DataType::List(_)) {
                props =
                    props.set_column_dictionary_enabled(ColumnPath::from(f.name().as_str()), false);
            }
        }
    }
    let comp = Compression::ZSTD(ZstdLevel::try_new(1).unwrap_or_default());
    props
        .set_compression(comp)
        .set_max_row_group_size(ROW_GROUP)
        .set_created_by(format!("knox {}", env!("CARGO_PKG_VERSION")))
        .build()
}

/// Does a job: encoding rows into Parquet, the costly part of the export.
fn run_job(table: Table, open: &mut HashMap<u64, Open>, job: Job) -> io::Result<()> {
    match job {
        Job::Start {
            id,
            file,
            schema,
            tmp,
            path,
        } => {
            let writer = ArrowWriter::try_new(file, schema, Some(properties(table)))
                .map_err(io::Error::other)?;
            open.insert(id, Open { writer, tmp, path });
        }
        Job::Rows { id, batch } => {
            let Some(o) = open.get_mut(&id) else {
                return Err(io::Error::other(format!(
                    "Parquet rows for file {id}, not open"
                )));
            };
            o.writer.write(&batch).map_err(io::Error::other)?;
        }
        Job::Close { id } => {
            if let Some(o) = open.remove(&id) {
                o.writer.close().map_err(io::Error::other)?;
                std::fs::rename(&o.tmp, &o.path)?;
            }
        }
    }
    Ok(())
}

/// Where the jobs are done. Each partition is written by one thread, so its rows stay in order
/// and the files are the same whatever the number of threads.
enum Writers {
    /// `-j 1`: on the reading thread.
    Here {
        table: Table,
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

/// Jobs waiting for each writing thread.
const JOBS_WAITING: usize = 4;

impl WriterThread {
    fn spawn(table: Table) -> WriterThread {
        let (jobs, rx) = std::sync::mpsc::sync_channel::<Job>(JOBS_WAITING);
        let handle = std::thread::spawn(move || {
            let mut open = HashMap::new();
            // The first error ends the thread: the reading side learns of it at its next job.
            for job in rx {
                run_job(table, &mut open, job)?;
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
    fn new(table: Table, threads: usize) -> Writers {
        if threads <= 1 {
            Writers::Here {
                table,
                open: HashMap::new(),
            }
        } else {
            Writers::Threads((0..threads).map(|_| WriterThread::spawn(table)).collect())
        }
    }

    fn send(&mut self, id: u64, job: Job) -> io::Result<()> {
        match self {
            Writers::Here { table, open } => run_job(*table, open, job),
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

/// A partition as the reading side sees it.
struct Slot {
    id: u64,
    last_use: u64,
}

/// The columns a file of the table keeps, for each class (one entry for the tables without
/// classes): their places in the batches, and the files' schema.
struct Projection {
    columns: Vec<usize>,
    schema: SchemaRef,
}

fn projection(full: &SchemaRef, keep: impl Fn(&str) -> bool) -> Projection {
    let columns: Vec<usize> = full
        .fields()
        .iter()
        .enumerate()
        .filter(|(_, f)| !schema::PLACE.contains(&f.name().as_str()) && keep(f.name()))
        .map(|(i, _)| i)
        .collect();
    let schema = Arc::new(full.project(&columns).unwrap_or_else(|_| (**full).clone()));
    Projection { columns, schema }
}

/// The partitions of one export run: an [`crate::Output`].
pub struct Partitions {
    table: Table,
    dir: PathBuf,
    open: HashMap<Key, Slot>,
    writers: Option<Writers>,
    /// Per class (by its place in `Class::ALL`) for OCSF, else one.
    projections: Vec<Projection>,
    /// Per token type, for the tokens table (each type has its own columns).
    type_projections: HashMap<Arc<str>, Projection>,
    run: String,
    files: u64,
    clock: u64,
    /// Rows written.
    pub rows: u64,
}

impl Partitions {
    /// Partitions under `dir`, encoded on `threads` threads (with 1, on the calling thread).
    pub fn new(dir: &Path, table: Table, threads: usize) -> io::Result<Partitions> {
        std::fs::create_dir_all(dir).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("{}: {}", dir.display(), knox_read::problem::io_text(&e)),
            )
        })?;
        let since = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        let full = table.schema();
        let projections = match table {
            Table::Ocsf => Class::ALL
                .iter()
                .map(|&c| {
                    let keep = schema::ocsf_columns(c);
                    projection(&full, |n| keep.iter().any(|k| k == n))
                })
                .collect(),
            _ => vec![projection(&full, |_| true)],
        };
        Ok(Partitions {
            table,
            dir: dir.to_path_buf(),
            open: HashMap::new(),
            writers: Some(Writers::new(table, threads)),
            projections,
            type_projections: HashMap::new(),
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

    fn projection_of(&self, key: &Key) -> &Projection {
        if let Some(p) = key.ty.as_ref().and_then(|t| self.type_projections.get(t)) {
            return p;
        }
        let i = key
            .class
            .and_then(|c| Class::ALL.iter().position(|&x| x == c))
            .unwrap_or(0);
        &self.projections[i.min(self.projections.len() - 1)]
    }

    /// Adds rows to a partition.
    fn add(&mut self, key: &Key, batch: RecordBatch) -> io::Result<()> {
        self.clock += 1;
        if let Some(t) = &key.ty {
            if !self.type_projections.contains_key(t) {
                let p = projection(&batch.schema(), |_| true);
                self.type_projections.insert(t.clone(), p);
            }
        }
        if !self.open.contains_key(key) {
            if self.open.len() >= MAX_OPEN {
                self.close_oldest()?;
            }
            let schema = self.projection_of(key).schema.clone();
            let slot = self.start(&key.rel(), schema)?;
            self.open.insert(key.clone(), slot);
        }
        let clock = self.clock;
        let Some(slot) = self.open.get_mut(key) else {
            return Ok(());
        };
        slot.last_use = clock;
        let id = slot.id;
        let batch = batch
            .project(&self.projection_of(key).columns)
            .map_err(io::Error::other)?;
        self.rows += batch.num_rows() as u64;
        self.writers()?.send(id, Job::Rows { id, batch })
    }

    fn start(&mut self, rel: &str, schema: SchemaRef) -> io::Result<Slot> {
        let dir = self.dir.join(rel);
        std::fs::create_dir_all(&dir).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("{}: {}", dir.display(), knox_read::problem::io_text(&e)),
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
                schema,
                tmp,
                path,
            },
        )?;
        Ok(Slot { id, last_use: 0 })
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
            self.writers()?.send(slot.id, Job::Close { id: slot.id })?;
        }
        Ok(())
    }

    /// How many files were written.
    pub fn files(&self) -> u64 {
        self.files
    }
}

/// The partition of each row of a batch, in order of first appearance, with the rows.
fn split(table: Table, batch: &RecordBatch) -> Vec<(Key, Vec<u32>)> {
    let n = batch.num_rows();
    let host: Option<Arc<str>> = batch
        .column_by_name("host")
        .and_then(|c| c.as_string_opt::<i32>().cloned())
        .and_then(|s| (s.len() > 0 && s.is_valid(0)).then(|| Arc::from(s.value(0))));
    let days = batch
        .column_by_name("day")
        .and_then(|c| c.as_primitive_opt::<Date32Type>().cloned());
    let classes = (table == Table::Ocsf)
        .then(|| batch.column(0).as_primitive_opt::<Int32Type>().cloned())
        .flatten();
    let ty: Option<Arc<str>> = batch
        .schema()
        .metadata()
        .get(schema::TOKEN_TYPE)
        .map(|t| Arc::from(t.as_str()));
    let mut out: Vec<(Key, Vec<u32>)> = Vec::new();
    for row in 0..n {
        let key = Key {
            class: classes.as_ref().and_then(|c| {
                let uid = c.value(row);
                Class::ALL.into_iter().find(|k| k.uid() as i32 == uid)
            }),
            ty: ty.clone(),
            host: host.clone(),
            day: days.as_ref().map_or(0, |d| d.value(row)),
        };
        match out.iter_mut().find(|(k, _)| *k == key) {
            Some((_, rows)) => rows.push(row as u32),
            None => out.push((key, vec![row as u32])),
        }
    }
    out
}

impl crate::Output for Partitions {
    fn batch(&mut self, batch: RecordBatch) -> io::Result<()> {
        for (key, rows) in split(self.table, &batch) {
            let first = rows[0] as usize;
            let contiguous = rows
                .last()
                .is_some_and(|&l| l as usize == first + rows.len() - 1);
            let part = if contiguous {
                batch.slice(first, rows.len())
            } else {
                arrow_select::take::take_record_batch(&batch, &UInt32Array::from(rows))
                    .map_err(io::Error::other)?
            };
            self.add(&key, part)?;
        }
        Ok(())
    }

    /// Closes every partition and waits for the writers: the files are complete.
    fn finish(&mut self) -> io::Result<()> {
        let mut keys: Vec<Key> = self.open.keys().cloned().collect();
        keys.sort_by_key(|k| k.rel());
        let mut result = Ok(());
        for k in keys {
            if let Some(slot) = self.open.remove(&k) {
                if let Err(e) = self
                    .writers()
                    .and_then(|w| w.send(slot.id, Job::Close { id: slot.id }))
                {
                    result = Err(e);
                    break;
                }
            }
        }
        let done = self.writers.take().map_or(Ok(()), Writers::finish);
        result.and(done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_calendar_dates() {
        assert_eq!(civil(0), (1970, 1, 1));
        assert_eq!(civil(19_675), (2023, 11, 14));
        assert_eq!(civil(11_016), (2000, 2, 29));
        assert_eq!(civil(-1), (1969, 12, 31));
        assert!(civil(i32::MAX).0 > 5_000_000);
    }

    #[test]
    fn partition_values_are_escaped_for_directory_names() {
        assert_eq!(escape("mac1.example.org"), "mac1.example.org");
        assert_eq!(escape("a/b"), "a%2Fb");
        assert_eq!(escape(".."), "%2E.");
        assert_eq!(escape(""), "%2E");
    }
}
