//! Streaming records from any `Read` (files, pipes, stdin, /dev/auditpipe) with a bounded buffer.

use std::io::{self, Read};

use crate::error::{Error, ErrorKind};
use crate::frame::{Action, FrameOptions, Framer};
use crate::record::Record;

/// Default size of each read.
pub const DEFAULT_CHUNK: usize = 64 * 1024;

/// Reads records from a byte stream. Records borrow the reader's buffer, so this is a lending
/// iterator: call [`RecordReader::next_record`] in a `while let` loop.
///
/// The buffer holds at most one record plus one read; it never grows past the framing limit
/// ([`FrameOptions::max_record`]) plus a read, whatever the input.
pub struct RecordReader<R> {
    inner: R,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// Absolute offset of `buf[start]`.
    base: u64,
    eof: bool,
    chunk: usize,
    framer: Framer,
    failed: bool,
}

impl<R: Read> RecordReader<R> {
    /// A reader of the records in `inner`, resynchronising after garbage.
    pub fn new(inner: R) -> RecordReader<R> {
        Self::with_options(inner, DEFAULT_CHUNK, FrameOptions::default())
    }

    /// A reader that asks for at most `chunk` bytes per read (at least 1).
    pub fn with_options(inner: R, chunk: usize, opts: FrameOptions) -> RecordReader<R> {
        let chunk = chunk.max(1);
        RecordReader {
            inner,
            buf: Vec::new(),
            start: 0,
            end: 0,
            base: 0,
            eof: false,
            chunk,
            framer: Framer::new(opts),
            failed: false,
        }
    }

    /// Offset in the stream of the next byte to be framed.
    pub fn offset(&self) -> u64 {
        self.base
    }

    /// Capacity of the internal buffer (for memory checks).
    pub fn buffer_capacity(&self) -> usize {
        self.buf.capacity()
    }

    /// The underlying reader.
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// The underlying reader, mutably (reading from it directly loses the reader's place).
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// The underlying reader; bytes buffered and not yet framed are dropped.
    pub fn into_inner(self) -> R {
        self.inner
    }

    /// The next record, an error (with its offset) for bad input, or `None` at the end.
    #[allow(clippy::should_implement_trait)]
    pub fn next_record(&mut self) -> Option<Result<Record<'_>, Error>> {
        if self.failed {
            return None;
        }
        loop {
            let window = &self.buf[self.start..self.end];
            match self.framer.step(window, self.base, self.eof) {
                Action::Record { len, consume } => {
                    let (s, offset) = (self.start, self.base);
                    self.consume(consume);
                    return Some(Ok(Record::new(offset, &self.buf[s..s + len])));
                }
                Action::Error { error, consume } => {
                    self.consume(consume);
                    return Some(Err(*error));
                }
                Action::Skip(n) => self.consume(n),
                Action::End => return None,
                Action::NeedMore => {
                    if let Err(e) = self.fill() {
                        self.failed = true;
                        return Some(Err(Error::new(
                            self.base + (self.end - self.start) as u64,
                            ErrorKind::io(&e),
                        )));
                    }
                }
            }
        }
    }

    fn consume(&mut self, n: usize) {
        self.start += n;
        self.base += n as u64;
    }

    /// Reads one chunk, compacting the buffer first.
    fn fill(&mut self) -> io::Result<()> {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.buf.len() < self.end + self.chunk {
            self.buf.resize(self.end + self.chunk, 0);
        }
        loop {
            match self
                .inner
                .read(&mut self.buf[self.end..self.end + self.chunk])
            {
                Ok(0) => {
                    self.eof = true;
                    return Ok(());
                }
                Ok(n) => {
                    self.end += n;
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }
}
