//! A table's batches as an iterator: the record loop runs on a thread of its own and hands
//! each batch over as it is made (a few batches are held ahead, so memory stays bounded
//! however large the input). Decode problems are kept for the caller to take
//! ([`Stream::take_problems`]); an input that cannot be read ends the stream with an error
//! that names it.

use std::io;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use arrow_array::{RecordBatch, RecordBatchReader};
use arrow_schema::{ArrowError, SchemaRef};
use knox_read::pipeline::SourceInfo;
use knox_read::problem::Problem;
use knox_read::source::Source;

use crate::{Options, Output};

/// Batches made ahead of the reader.
const AHEAD: usize = 4;

/// What the loop's thread sends.
enum Msg {
    Batch(RecordBatch),
    /// An input that could not be read: the stream ends with this error.
    Failed(io::Error),
}

/// Sends batches over the channel, problems into the shared list.
struct Send {
    tx: SyncSender<Msg>,
    problems: Arc<Mutex<Vec<Problem>>>,
}

impl Output for Send {
    fn batch(&mut self, batch: RecordBatch) -> io::Result<()> {
        self.tx
            .send(Msg::Batch(batch))
            // The reader was dropped: stop reading.
            .map_err(|_| io::Error::from(io::ErrorKind::BrokenPipe))
    }

    fn problem(&mut self, p: &Problem) {
        if let Ok(mut v) = self.problems.lock() {
            v.push(p.clone());
        }
    }

    fn unreadable(&mut self, name: &str, e: &io::Error) {
        let _ = self.tx.send(Msg::Failed(io::Error::new(
            e.kind(),
            knox_read::problem::unreadable(name, e),
        )));
    }
}

/// Where a stream's decode problems wait to be taken.
#[derive(Clone)]
pub struct ProblemList(Arc<Mutex<Vec<Problem>>>);

impl ProblemList {
    /// The problems found since the last call, each with its file and offset.
    pub fn take(&self) -> Vec<Problem> {
        self.0
            .lock()
            .map(|mut v| std::mem::take(&mut *v))
            .unwrap_or_default()
    }
}

/// The batches of a set of sources.
pub struct Stream {
    schema: SchemaRef,
    rx: Option<Receiver<Msg>>,
    problems: Arc<Mutex<Vec<Problem>>>,
    handle: Option<JoinHandle<io::Result<()>>>,
}

impl Stream {
    /// Starts reading `sources` as `opts.table`'s batches on `threads` threads.
    pub fn start(sources: Vec<(Source, SourceInfo)>, opts: Options, threads: usize) -> Stream {
        let (tx, rx) = sync_channel(AHEAD);
        let problems = Arc::new(Mutex::new(Vec::new()));
        let shared = problems.clone();
        let schema = opts.table.schema();
        let handle = std::thread::spawn(move || {
            let mut loop_opts = knox_read::pipeline::Options::new("knox", threads);
            // Problems are kept for the caller, not written anywhere.
            loop_opts.report_problems = false;
            let out = Send {
                tx,
                problems: shared,
            };
            crate::run(&sources, &opts, &loop_opts, out, &mut io::sink()).map(drop)
        });
        Stream {
            schema,
            rx: Some(rx),
            problems,
            handle: Some(handle),
        }
    }

    /// The decode problems found since the last call, each with its file and offset.
    pub fn take_problems(&self) -> Vec<Problem> {
        self.problem_list().take()
    }

    /// The list the problems go to, to be taken from after the stream is handed over.
    pub fn problem_list(&self) -> ProblemList {
        ProblemList(self.problems.clone())
    }

    /// Waits for the loop's thread; its error, if any.
    fn join(&mut self) -> Option<ArrowError> {
        self.rx = None;
        match self.handle.take()?.join() {
            Ok(Ok(())) => None,
            Ok(Err(e)) if e.kind() == io::ErrorKind::BrokenPipe => None,
            Ok(Err(e)) => Some(ArrowError::ExternalError(Box::new(e))),
            Err(_) => Some(ArrowError::ExternalError(
                "the reading thread failed".into(),
            )),
        }
    }
}

impl Iterator for Stream {
    type Item = Result<RecordBatch, ArrowError>;

    fn next(&mut self) -> Option<Self::Item> {
        let msg = self.rx.as_ref()?.recv();
        match msg {
            Ok(Msg::Batch(b)) => Some(Ok(b)),
            Ok(Msg::Failed(e)) => {
                self.rx = None;
                Some(Err(ArrowError::ExternalError(Box::new(e))))
            }
            // The loop has ended.
            Err(_) => self.join().map(Err),
        }
    }
}

impl RecordBatchReader for Stream {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        // Dropping the receiver stops the loop at its next batch.
        self.rx = None;
    }
}
