//! The one record loop of every reading tool: sources are opened and framed into batches
//! ([`bsm_format::Batches`]), each batch is turned into a part by a [`Mapper`] (on worker threads
//! with `-j N`), and the parts are handed to the tool's [`Sink`] in input order. Decode errors
//! and unreadable sources are reported here, once, on stderr with their file and offset.
//!
//! Whatever the number of threads, the sink sees the same parts in the same order, so output and
//! messages are byte for byte the same: `-j 1` runs the same mapper and sink on one thread.
//! Memory holds a fixed number of batches in flight.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::sync::{mpsc, Arc, Mutex};

use bsm_format::{Batch, Batches, FrameOptions, Record};

use crate::problem::{Problem, Problems};
use crate::source::{Opened, Source};

/// A source as the tools see it while reading.
#[derive(Debug, Clone)]
pub struct SourceInfo {
    /// How messages name it (`-` for stdin).
    pub name: Arc<str>,
    /// The host its records come from (`--host`, the file name's suffix, the per-host directory).
    pub host: Option<Arc<str>>,
    /// Records arrive over time (`--follow`, `--live`): output is written as it comes.
    pub streaming: bool,
    /// Read from stdin, a pipe or a device (`knox auditpipe ex | knox praudit`,
    /// `knox praudit /dev/auditpipe`): records may arrive over time, so the output of each batch
    /// is flushed as soon as it is written. Unlike `streaming`, nothing waits on the clock, so
    /// the output is the same as for the same bytes in a file.
    pub piped: bool,
    /// The trail file name, when the source is a trail file.
    pub trail: Option<bsm_format::trailname::TrailName>,
}

/// Turns the records of a batch into a part for the sink. One per thread.
pub trait Mapper: Send {
    type Part: Send;
    /// One record. Returns the first problem decoding it, if any (reported by the loop).
    fn record(
        &mut self,
        src: &SourceInfo,
        batch: &Batch,
        rec: &Record<'_>,
    ) -> Option<bsm_format::Error>;
    /// A stretch of input framing could not make records of, in its place among the records
    /// (the loop reports it too).
    fn framing_error(&mut self, _e: &bsm_format::Error) {}
    /// The part made of the records since the last call.
    fn take(&mut self) -> Self::Part;
}

/// Takes the parts in input order.
pub trait Sink<P> {
    /// A source is about to be read (its parts follow).
    fn source(&mut self, _src: &SourceInfo) -> io::Result<()> {
        Ok(())
    }
    /// The part of the next batch.
    fn apply(&mut self, part: P, src: &SourceInfo) -> io::Result<()>;
    /// A decode problem, after the part of the batch it was found in (the loop has reported it
    /// on stderr already).
    fn problem(&mut self, _p: &Problem) {}
    /// A source that could not be opened (the loop has reported it on stderr already).
    fn unreadable(&mut self, _name: &str, _e: &io::Error) {}
    /// How far the source with this index (among the loop's sources) has been read, in bytes,
    /// after the part that ends there.
    fn progress(&mut self, _source: usize, _done: u64) {}
    /// Every source has been read.
    fn finish(&mut self) -> io::Result<()> {
        Ok(())
    }
    /// Whether output should be flushed now (streaming input).
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// How the loop runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// The tool, as messages name it (`knox json`).
    pub what: &'static str,
    /// Worker threads for decoding and formatting (1: everything on this thread).
    pub threads: usize,
    /// Bytes of input per batch.
    pub batch: usize,
    pub frame: FrameOptions,
    /// Report decode problems on stderr (off for a tool whose output is the report of them).
    pub report_problems: bool,
}

impl Options {
    pub fn new(what: &'static str, threads: usize) -> Options {
        Options {
            what,
            threads: threads.max(1),
            batch: bsm_format::DEFAULT_BATCH,
            frame: FrameOptions::default(),
            report_problems: true,
        }
    }
}

/// What the loop passes from reading to the sink, in order.
enum Item<P> {
    /// A source is opened, with what opening it had to say.
    Opened(usize, Vec<String>),
    /// A source could not be opened.
    Unreadable(usize, io::Error),
    /// The part of a batch, the problems found in it, and where in its source the batch ends.
    Part(usize, P, Vec<Problem>, u64),
}

/// Reads every source through mappers into the sink. Returns what went wrong (for the exit code).
pub fn run<M, S>(
    sources: &[(Source, SourceInfo)],
    opts: &Options,
    new_mapper: &(dyn Fn() -> M + Sync),
    sink: &mut S,
    err: &mut dyn Write,
) -> io::Result<Problems>
where
    M: Mapper,
    S: Sink<M::Part> + ?Sized,
{
    let mut problems = Problems::default();
    if sources.iter().any(|(s, _)| s.is_live()) {
        run_streaming(sources, opts, new_mapper, sink, err, &mut problems)?;
        sink.finish()?;
        return Ok(problems);
    }
    if opts.threads <= 1 {
        let mut m = new_mapper();
        let mut failed = Ok(());
        read_sources(sources.iter().map(|(s, _)| s), opts, |r| {
            let item = r.into_item(&mut m, sources);
            failed = deliver(item, sources, sink, err, &mut problems, opts);
            failed.is_ok()
        });
        failed?;
        sink.finish()?;
        return Ok(problems);
    }
    run_parallel(sources, opts, new_mapper, sink, err, &mut problems)?;
    sink.finish()?;
    Ok(problems)
}

/// How often the sink is told to flush while streaming input is quiet (so that output held for
/// more of a record, like an exec waiting for its exit status, still comes out in time), and a
/// stop (SIGINT, SIGTERM) is looked for.
pub const TICK: std::time::Duration = std::time::Duration::from_millis(100);

/// The loop for input that arrives over time (a followed trail, the live pipe). A thread reads,
/// since a read may wait for ever; this thread maps and delivers what comes, flushes the sink
/// every [`TICK`] while nothing comes, and on SIGINT or SIGTERM delivers what was read and ends
/// (the reading thread, maybe blocked in a read, ends with the process).
fn run_streaming<M, S>(
    sources: &[(Source, SourceInfo)],
    opts: &Options,
    new_mapper: &(dyn Fn() -> M + Sync),
    sink: &mut S,
    err: &mut dyn Write,
    problems: &mut Problems,
) -> io::Result<()>
where
    M: Mapper,
    S: Sink<M::Part> + ?Sized,
{
    use std::sync::mpsc::RecvTimeoutError;
    let stop = stop_flag();
    let (tx, rx) = mpsc::sync_channel::<Read>(4);
    let owned: Vec<Source> = sources.iter().map(|(s, _)| s.clone()).collect();
    let read_opts = opts.clone();
    std::thread::spawn(move || read_sources(owned.iter(), &read_opts, |r| tx.send(r).is_ok()));
    let mut m = new_mapper();
    let mut handle = |r: Read, sink: &mut S, err: &mut dyn Write| {
        let item = r.into_item(&mut m, sources);
        deliver(item, sources, sink, err, problems, opts)
    };
    loop {
        if stop.load(std::sync::atomic::Ordering::Relaxed) {
            // What was read before the stop is still delivered.
            while let Ok(r) = rx.try_recv() {
                handle(r, sink, err)?;
            }
            return Ok(());
        }
        match rx.recv_timeout(TICK) {
            Ok(r) => handle(r, sink, err)?,
            Err(RecvTimeoutError::Timeout) => sink.flush()?,
            Err(RecvTimeoutError::Disconnected) => return Ok(()),
        }
    }
}

/// Set on SIGINT or SIGTERM (Unix; never elsewhere).
fn stop_flag() -> Arc<std::sync::atomic::AtomicBool> {
    #[cfg(unix)]
    return bsm_io::system::stop_on_signals();
    #[cfg(not(unix))]
    return Arc::new(std::sync::atomic::AtomicBool::new(false));
}

/// At most this many batches are read ahead of the sink.
fn in_flight(threads: usize) -> usize {
    2 * threads + 2
}

/// The batches of an opened source.
struct BatchesOf(Batches<Box<dyn std::io::Read>>);

impl BatchesOf {
    fn new(opened: Opened, opts: &Options) -> BatchesOf {
        BatchesOf(Batches::with_options(opened.reader, opts.batch, opts.frame))
    }

    fn next_batch(&mut self) -> Option<Batch> {
        self.0.next_batch()
    }
}

/// What reading the sources yields, in order: each source opened (with what opening it had to
/// say) or not, then its batches.
enum Read {
    Opened(usize, Vec<String>),
    Unreadable(usize, io::Error),
    Batch(usize, Batch),
}

impl Read {
    /// The item the sink gets: a batch mapped by `m`, the rest as they are.
    fn into_item<M: Mapper>(self, m: &mut M, sources: &[(Source, SourceInfo)]) -> Item<M::Part> {
        match self.pass() {
            Ok(item) => item,
            Err((i, b)) => map_batch(m, i, &sources[i].1, &b),
        }
    }

    /// The item of an opening or of an unreadable source; a batch comes back, to be mapped.
    fn pass<P>(self) -> Result<Item<P>, (usize, Batch)> {
        match self {
            Read::Opened(i, notes) => Ok(Item::Opened(i, notes)),
            Read::Unreadable(i, e) => Ok(Item::Unreadable(i, e)),
            Read::Batch(i, b) => Err((i, b)),
        }
    }
}

/// The one walk over the sources, whichever loop runs it: opens each in turn and frames it into
/// batches, handing each step to `send`, until the sources end or `send` returns false.
fn read_sources<'s>(
    sources: impl Iterator<Item = &'s Source>,
    opts: &Options,
    mut send: impl FnMut(Read) -> bool,
) {
    for (i, src) in sources.enumerate() {
        let mut reader = match src.open() {
            Ok(r) => r,
            Err(e) => {
                if !send(Read::Unreadable(i, e)) {
                    return;
                }
                continue;
            }
        };
        if !send(Read::Opened(i, std::mem::take(&mut reader.notes))) {
            return;
        }
        let mut batches = BatchesOf::new(reader, opts);
        while let Some(b) = batches.next_batch() {
            if !send(Read::Batch(i, b)) {
                return;
            }
        }
    }
}

/// Maps one batch: every record through the mapper, every problem noted with its source.
fn map_batch<M: Mapper>(m: &mut M, i: usize, info: &SourceInfo, b: &Batch) -> Item<M::Part> {
    let mut problems = Vec::new();
    for r in b.iter() {
        let e = match r {
            Ok(rec) => m.record(info, b, &rec),
            Err(e) => {
                m.framing_error(&e);
                Some(e)
            }
        };
        if let Some(e) = e {
            problems.push(Problem::new(&info.name, &e));
        }
    }
    Item::Part(i, m.take(), problems, b.offset() + b.span() as u64)
}

/// Hands one item to the sink and reports its problems.
fn deliver<P, S: Sink<P> + ?Sized>(
    item: Item<P>,
    sources: &[(Source, SourceInfo)],
    sink: &mut S,
    err: &mut dyn Write,
    problems: &mut Problems,
    opts: &Options,
) -> io::Result<()> {
    match item {
        Item::Opened(i, notes) => {
            for n in notes {
                writeln!(err, "{}: {n}", opts.what)?;
            }
            sink.source(&sources[i].1)
        }
        Item::Unreadable(i, e) => {
            let name = &sources[i].1.name;
            writeln!(
                err,
                "{}: {}",
                opts.what,
                crate::problem::unreadable(name, &e)
            )?;
            problems.unreadable.push(name.to_string());
            sink.unreadable(name, &e);
            Ok(())
        }
        Item::Part(i, part, found, end) => {
            let info = &sources[i].1;
            sink.apply(part, info)?;
            sink.progress(i, end);
            for p in &found {
                if opts.report_problems {
                    writeln!(err, "{}: {p}", opts.what)?;
                }
                sink.problem(p);
            }
            problems.decode_errors += found.len() as u64;
            if info.streaming || info.piped {
                sink.flush()?;
            }
            Ok(())
        }
    }
}

/// The loop with worker threads: this thread reads and frames, the workers map, and this
/// thread hands the parts to the sink in order as they come back.
fn run_parallel<M, S>(
    sources: &[(Source, SourceInfo)],
    opts: &Options,
    new_mapper: &(dyn Fn() -> M + Sync),
    sink: &mut S,
    err: &mut dyn Write,
    problems: &mut Problems,
) -> io::Result<()>
where
    M: Mapper,
    S: Sink<M::Part> + ?Sized,
{
    /// Work for the mappers: a batch, or an item that only passes through in order.
    enum Work<P> {
        Map(usize, Batch),
        Pass(Item<P>),
    }
    let in_flight = in_flight(opts.threads);
    let (work_tx, work_rx) = mpsc::channel::<(u64, Work<M::Part>)>();
    let work_rx = Mutex::new(work_rx);
    let (done_tx, done_rx) = mpsc::channel::<(u64, Item<M::Part>)>();
    let (token_tx, token_rx) = mpsc::sync_channel::<()>(in_flight);
    for _ in 0..in_flight {
        let _ = token_tx.send(());
    }
    std::thread::scope(|scope| -> io::Result<()> {
        // Reading and framing.
        let reader = scope.spawn(move || {
            let mut seq = 0u64;
            let mut send = |w: Work<M::Part>| -> bool {
                if token_rx.recv().is_err() {
                    return false;
                }
                seq += 1;
                work_tx.send((seq - 1, w)).is_ok()
            };
            read_sources(sources.iter().map(|(s, _)| s), opts, |r| match r.pass() {
                Ok(item) => send(Work::Pass(item)),
                Err((i, b)) => send(Work::Map(i, b)),
            });
        });
        // Mapping.
        for _ in 0..opts.threads {
            let (work_rx, done_tx) = (&work_rx, done_tx.clone());
            scope.spawn(move || {
                // A mapper that panicked would leave its batch undelivered and the loop
                // waiting: end the process instead (after the panic message).
                let _guard = AbortOnPanic;
                let mut m = new_mapper();
                loop {
                    let next = work_rx.lock().map(|rx| rx.recv());
                    let Ok(Ok((seq, w))) = next else { return };
                    let item = match w {
                        Work::Map(i, b) => map_batch(&mut m, i, &sources[i].1, &b),
                        Work::Pass(item) => item,
                    };
                    if done_tx.send((seq, item)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(done_tx);
        // Handing over in order.
        let mut waiting: BTreeMap<u64, Item<M::Part>> = BTreeMap::new();
        let mut next = 0u64;
        let result = (|| -> io::Result<()> {
            for (seq, item) in done_rx.iter() {
                waiting.insert(seq, item);
                while let Some(item) = waiting.remove(&next) {
                    next += 1;
                    deliver(item, sources, sink, err, problems, opts)?;
                    let _ = token_tx.try_send(());
                }
            }
            Ok(())
        })();
        // On an error (a closed stdout), stop the reader and the workers.
        drop(token_tx);
        drop(done_rx);
        let _ = reader.join();
        result
    })
}

/// Aborts the process when dropped during a panic.
struct AbortOnPanic;

impl Drop for AbortOnPanic {
    fn drop(&mut self) {
        if std::thread::panicking() {
            std::process::abort();
        }
    }
}

/// The sink of tools whose parts are finished output: writes them in order.
pub struct Writer<'o> {
    pub out: &'o mut dyn Write,
}

impl Sink<Vec<u8>> for Writer<'_> {
    fn apply(&mut self, part: Vec<u8>, _: &SourceInfo) -> io::Result<()> {
        self.out.write_all(&part)?;
        recycle(part);
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    fn finish(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// Output buffers handed back once written, for the next parts: a part of a few MiB allocated
/// fresh for every batch would cost the system a page fault for each of its pages.
static BUFFERS: std::sync::Mutex<Vec<Vec<u8>>> = std::sync::Mutex::new(Vec::new());

/// Most buffers kept for reuse, and the largest kept.
const KEEP_BUFFERS: usize = 32;
const KEEP_CAPACITY: usize = 64 << 20;

/// An empty buffer with room for about `hint` bytes: a used one when there is one.
pub fn buffer(hint: usize) -> Vec<u8> {
    let reused = BUFFERS.lock().ok().and_then(|mut b| b.pop());
    let mut v = reused.unwrap_or_default();
    v.reserve(hint);
    v
}

/// Hands a written buffer back for reuse.
pub fn recycle(mut v: Vec<u8>) {
    if v.capacity() == 0 || v.capacity() > KEEP_CAPACITY {
        return;
    }
    v.clear();
    if let Ok(mut b) = BUFFERS.lock() {
        if b.len() < KEEP_BUFFERS {
            b.push(v);
        }
    }
}
