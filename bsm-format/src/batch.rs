//! Reading a stream in batches of framed records that can be decoded elsewhere: on another
//! thread, later, or in parallel with the next batch.
//!
//! [`Batches`] runs the same framing state machine as [`crate::RecordReader`] and
//! [`crate::records`], so it finds exactly the same records and errors at the same offsets; it
//! only hands them over differently. Each [`Batch`] owns a shared, reference-counted slice of
//! the input ([`bytes::Bytes`]) and the list of what framing found in it, in input order. A
//! record is never split between batches; a read that ends inside a record keeps the record's
//! start for the next batch.

use std::io::{self, Read};

use bytes::{Bytes, BytesMut};

use crate::error::{Error, ErrorKind};
use crate::frame::{Action, FrameOptions, Framer};
use crate::record::Record;

/// Default size of a batch's input: large enough that handing a batch to another thread costs
/// little next to decoding it, small enough that a few batches in flight stay a few MiB.
pub const DEFAULT_BATCH: usize = 1 << 20;

/// The first read's size: reads then double up to the batch size while they come back full, so
/// that a small input (a short file, a fuzz input, a pipe's first records) costs a small buffer,
/// not a zeroed batch-sized one.
const FIRST_READ: usize = 16 << 10;

/// How far ahead of framing a mapped trail is read.
const PREFETCH: usize = 4096;

/// A batch is at most this large (its offsets are 32-bit), whatever size is asked for.
const MAX_BATCH: usize = 1 << 30;

/// What framing found in a batch, in order, compactly: a record is its (start, length) in the
/// batch's bytes; an error is `(index in errors, ERROR)`.
#[derive(Debug, Clone, Default)]
struct Units {
    spans: Vec<(u32, u32)>,
    errors: Vec<Error>,
}

const ERROR: u32 = u32::MAX;

impl Units {
    fn record(&mut self, start: usize, len: usize) {
        self.spans.push((start as u32, len as u32));
    }

    fn error(&mut self, e: Error) {
        self.spans.push((self.errors.len() as u32, ERROR));
        self.errors.push(e);
    }

    fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }
}

/// Framed records (and framing errors) of one stretch of the input, in input order.
#[derive(Debug, Clone)]
pub struct Batch {
    data: Bytes,
    /// Absolute offset of `data[0]` in the input.
    base: u64,
    units: Units,
}

impl Batch {
    /// The records and framing errors of the batch, in input order. A record borrows the
    /// batch's bytes; [`Batch::shared`] gives an owned handle on them.
    pub fn iter(&self) -> impl Iterator<Item = Result<Record<'_>, Error>> + '_ {
        self.units.spans.iter().map(move |&(start, len)| {
            if len == ERROR {
                return Err(self.units.errors[start as usize].clone());
            }
            let (start, len) = (start as usize, len as usize);
            Ok(Record::new(
                self.base + start as u64,
                &self.data[start..start + len],
            ))
        })
    }

    /// How many records and errors the batch holds.
    pub fn len(&self) -> usize {
        self.units.spans.len()
    }

    /// Whether the batch holds nothing.
    pub fn is_empty(&self) -> bool {
        self.units.is_empty()
    }

    /// Absolute offset of the batch's first byte in the input.
    pub fn offset(&self) -> u64 {
        self.base
    }

    /// Bytes of input the batch spans.
    pub fn span(&self) -> usize {
        self.data.len()
    }

    /// The bytes of a record of this batch as a shared handle (no copy), so that what is made
    /// of the record can outlive the batch. `None` for a record of another batch.
    pub fn shared(&self, rec: &Record<'_>) -> Option<Bytes> {
        let start = usize::try_from(rec.offset().checked_sub(self.base)?).ok()?;
        let end = start.checked_add(rec.len())?;
        (end <= self.data.len() && self.data[start..end].as_ptr() == rec.bytes().as_ptr())
            .then(|| self.data.slice(start..end))
    }
}

/// Reads batches of framed records from any [`Read`]. Memory holds the batches the caller
/// keeps plus one batch being filled (at most one record over the batch size).
pub struct Batches<R> {
    inner: R,
    /// Input read but not yet handed over in a batch; `buf[0]` is at offset `base`.
    buf: BytesMut,
    base: u64,
    /// How far framing has gone into `buf`.
    framed: usize,
    /// The end of the furthest record framed so far in `buf` (a record that its trailer does
    /// not confirm may reach past where framing continues).
    reach: usize,
    units: Units,
    framer: Framer,
    eof: bool,
    /// The last read returned less than it asked for: the input has nothing more at once.
    quiet: bool,
    done: bool,
    read_size: usize,
    batch_size: usize,
}

impl<R: Read> Batches<R> {
    /// Batches of about [`DEFAULT_BATCH`] bytes with the default framing.
    pub fn new(inner: R) -> Batches<R> {
        Self::with_options(inner, DEFAULT_BATCH, FrameOptions::default())
    }

    /// Batches of about `batch_size` bytes (at least 1; a batch holds at least one whole record
    /// or error, so a tiny size gives a batch per record).
    pub fn with_options(inner: R, batch_size: usize, opts: FrameOptions) -> Batches<R> {
        let batch_size = batch_size.clamp(1, MAX_BATCH);
        Batches {
            inner,
            buf: BytesMut::new(),
            base: 0,
            framed: 0,
            reach: 0,
            units: Units::default(),
            framer: Framer::new(opts),
            eof: false,
            quiet: false,
            done: false,
            read_size: batch_size.min(FIRST_READ),
            batch_size,
        }
    }

    /// The reader the batches come from.
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// The next batch, or `None` at the end of the input. A batch is handed over when it is
    /// full, or at least half full when framing needs more input, and also whenever the input
    /// has nothing more at once (a pipe or a followed file between writes), so that records
    /// arriving over time are not held back.
    pub fn next_batch(&mut self) -> Option<Batch> {
        loop {
            if self.frame() || (self.done && !self.units.is_empty()) {
                return Some(self.cut());
            }
            if self.done {
                return None;
            }
            // Framing needs more input.
            if !self.units.is_empty() && self.framed >= self.reach {
                // Hand over what is framed before waiting on a read that may block, or before
                // a read that would grow the buffer of a batch already half full: growing it
                // copies the batch, and its cut then leaves up to a batch of input behind, which
                // the next read copies again.
                if self.quiet || self.framed >= self.batch_size / 2 {
                    return Some(self.cut());
                }
            }
            match self.fill() {
                Ok(()) => {}
                Err(e) => {
                    let at = self.base + self.buf.len() as u64;
                    self.units.error(Error::new(at, ErrorKind::io(&e)));
                    self.done = true;
                }
            }
        }
    }

    /// Frames what the buffer holds; true when a batch is full.
    fn frame(&mut self) -> bool {
        while !self.done {
            let at = self.base + self.framed as u64;
            match self.framer.step(&self.buf[self.framed..], at, self.eof) {
                Action::Record { len, consume } => {
                    self.units.record(self.framed, len);
                    self.reach = self.reach.max(self.framed + len);
                    self.framed += consume;
                }
                Action::Error { error, consume } => {
                    self.units.error(*error);
                    self.framed += consume;
                }
                Action::Skip(n) => {
                    self.framed += n;
                    self.drop_skipped();
                }
                Action::End => self.done = true,
                Action::NeedMore => return false,
            }
            self.reach = self.reach.max(self.framed);
            if !self.units.is_empty() && self.framed >= self.batch_size && self.framed >= self.reach
            {
                return true;
            }
        }
        false
    }

    /// Lets go of bytes that resync has passed over while no record or error waits to be
    /// handed over: a stretch of garbage is reported once, when framing is past it, and need
    /// not be held until then (a file of random bytes would otherwise be held whole).
    fn drop_skipped(&mut self) {
        if self.units.is_empty() && self.framed >= self.reach && self.framed >= self.read_size {
            // The rest moves to a buffer of its own size (splitting the front off would keep
            // the whole allocation, which the next reads would then double).
            self.buf = BytesMut::from(&self.buf[self.framed..]);
            self.base += self.framed as u64;
            self.reach = self.reach.saturating_sub(self.framed);
            self.framed = 0;
        }
    }

    /// Hands over the framed part of the buffer as a batch.
    fn cut(&mut self) -> Batch {
        let units = std::mem::take(&mut self.units);
        let base = self.base;
        let data = if self.reach <= self.framed {
            self.buf.split_to(self.framed).freeze()
        } else {
            // A suspect record reaches past where framing stands (damaged input only): the
            // batch gets a copy, the buffer keeps the bytes for the records after.
            let data = Bytes::copy_from_slice(&self.buf[..self.reach.min(self.buf.len())]);
            let _ = self.buf.split_to(self.framed);
            data
        };
        self.base += self.framed as u64;
        self.reach = self.reach.saturating_sub(self.framed);
        self.framed = 0;
        Batch { data, base, units }
    }

    /// Reads once more into the buffer.
    fn fill(&mut self) -> io::Result<()> {
        let len = self.buf.len();
        self.buf.resize(len + self.read_size, 0);
        loop {
            match self.inner.read(&mut self.buf[len..]) {
                Ok(n) => {
                    self.buf.truncate(len + n);
                    self.eof = n == 0;
                    self.quiet = n < self.read_size;
                    if n == self.read_size {
                        self.read_size = (self.read_size * 2).min(self.batch_size);
                    }
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.buf.truncate(len);
                    return Err(e);
                }
            }
        }
    }
}

/// Batches over a trail already in memory (a mapped file): the same framing, and no copy at all —
/// each batch is a slice of `data`.
pub struct MemoryBatches {
    data: Bytes,
    /// How far framing has gone.
    framed: usize,
    /// The furthest end of a record framed so far.
    reach: usize,
    framer: Framer,
    done: bool,
    batch_size: usize,
}

impl MemoryBatches {
    /// Batches of about `batch_size` bytes of `data`.
    pub fn new(data: Bytes, batch_size: usize, opts: FrameOptions) -> MemoryBatches {
        MemoryBatches {
            data,
            framed: 0,
            reach: 0,
            framer: Framer::new(opts),
            done: false,
            batch_size: batch_size.clamp(1, MAX_BATCH),
        }
    }

    /// The next batch, or `None` at the end.
    pub fn next_batch(&mut self) -> Option<Batch> {
        if self.done {
            return None;
        }
        let start = self.framed;
        let mut units = Units::default();
        loop {
            // Framing reads each record's header, then its trailer, then the next header: a
            // chain of loads that waits on memory. A read well ahead starts fetching the bytes
            // framing will need soon, while it works on these.
            if let Some(&b) = self.data.get(self.framed + PREFETCH) {
                std::hint::black_box(b);
            }
            let at = self.framed as u64;
            match self.framer.step(&self.data[self.framed..], at, true) {
                Action::Record { len, consume } => {
                    units.record(self.framed - start, len);
                    self.reach = self.reach.max(self.framed + len);
                    self.framed += consume;
                }
                Action::Error { error, consume } => {
                    units.error(*error);
                    self.framed += consume;
                }
                Action::Skip(n) => self.framed += n,
                Action::End | Action::NeedMore => {
                    // At the end of the input framing never needs more.
                    self.done = true;
                    break;
                }
            }
            self.reach = self.reach.max(self.framed);
            if !units.is_empty()
                && self.framed - start >= self.batch_size
                && self.framed >= self.reach
            {
                break;
            }
        }
        if units.is_empty() {
            return None;
        }
        let end = self.reach.min(self.data.len()).max(start);
        Some(Batch {
            data: self.data.slice(start..end),
            base: start as u64,
            units,
        })
    }
}
