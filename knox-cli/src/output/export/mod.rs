//! `knox export`: the records as OCSF events (for SIEMs and security data lakes), as Timesketch
//! timeline lines, or as Parquet tables (for DuckDB, Spark, Trino).
//!
//! The line formats are written in two steps so that the work spreads over every core: on the
//! loop's threads each record's line is written whole except for what only the process model
//! knows (which process did it, its parent, its program), where a marker stands; then, in order,
//! the model takes the record and the markers are replaced by its answers. A marker is a 0x01
//! byte and a code letter: JSON never carries a raw 0x01 (strings escape it), so it cannot be
//! confused with the record's own bytes.

pub mod ocsf;
pub mod timesketch;

use std::io::{self, Write};

use bsm_format::{Batch, Record};
use bytes::Bytes;
use knox_model::{Event, Host, Model, Process};

use crate::read::pipeline::{Mapper, Sink, SourceInfo};
use crate::read::settings::Context;
use crate::time::Clock;

/// The byte that starts a marker.
pub const MARK: u8 = 0x01;

/// A line format: what the loop's threads write, and what the model fills in.
pub trait Format: Sync {
    /// Writes a record's line (with markers), or nothing for records it does not write.
    fn line(&self, out: &mut Vec<u8>, w: &mut Writer<'_>, ev: &Event<&[u8]>, rec: &Record<'_>);
    /// Writes what a marker stands for.
    fn fill(&self, code: u8, out: &mut Vec<u8>, at: &At<'_>);
}

/// What a line's writer keeps between records (one per thread).
pub struct Writer<'s> {
    pub ctx: Context<'s>,
    /// This thread's account names (its own cache).
    pub accounts: &'s crate::read::accounts::Accounts,
    pub src: &'s SourceInfo,
    pub clock: Clock,
    pub scratch: Vec<u8>,
}

/// Where the model stands when a record's markers are filled.
pub struct At<'m> {
    pub model: &'m Model<Cache>,
    pub host: Host,
    pub ev: &'m Event,
    pub ctx: Context<'m>,
    /// The subject's process before the record (an exec's actor is the program it replaced).
    pub before: Option<&'m [u8]>,
}

impl At<'_> {
    /// The subject's process.
    pub fn subject(&self) -> Option<&Process<Cache>> {
        self.model.running_pid(self.host, self.ev.subject?.pid)
    }

    /// The running process with this pid.
    pub fn process(&self, pid: u32) -> Option<&Process<Cache>> {
        self.model.running_pid(self.host, pid)
    }
}

/// What the export keeps per process: the last rendering of it, with what it was rendered from
/// (a process is written once for each of its records, and changes rarely).
#[derive(Debug, Default)]
pub struct Cache {
    pub rendered: std::cell::RefCell<Option<(u128, Vec<u8>)>>,
}

impl knox_model::Data for Cache {
    fn started(_: u32, _: Option<&Cache>) -> Cache {
        Cache::default()
    }
}

impl Cache {
    /// Writes the rendering of the process for `key`, rendering it again when the key changed.
    pub fn write(&self, out: &mut Vec<u8>, key: u128, render: impl FnOnce(&mut Vec<u8>)) {
        let mut r = self.rendered.borrow_mut();
        match &*r {
            Some((k, text)) if *k == key => out.extend_from_slice(text),
            _ => {
                let mut text = Vec::new();
                render(&mut text);
                out.extend_from_slice(&text);
                *r = Some((key, text));
            }
        }
    }
}

/// One record on its way: its facts, whether it is selected, and where its line ends.
pub struct Item {
    ev: Event,
    selected: bool,
    end: usize,
}

/// Lines of a batch, and the records they came from.
#[derive(Default)]
pub struct Part {
    lines: Vec<u8>,
    items: Vec<Item>,
}

/// The loop's threads: facts and lines.
pub struct Lines<'s, F: Format> {
    format: &'s F,
    ctx: Context<'s>,
    acts: &'s knox_model::Acts,
    filter: &'s crate::read::filter::Filter,
    accounts: crate::read::accounts::Accounts,
    clock: Clock,
    scratch: Vec<u8>,
    part: Part,
}

impl<'s, F: Format> Lines<'s, F> {
    /// The lines of `format`, for the records `filter` selects; `acts` classifies events.
    pub fn new(
        format: &'s F,
        ctx: Context<'s>,
        acts: &'s knox_model::Acts,
        filter: &'s crate::read::filter::Filter,
    ) -> Lines<'s, F> {
        Lines {
            format,
            ctx,
            acts,
            filter,
            accounts: ctx.accounts.clone(),
            clock: ctx.json_clock(),
            scratch: Vec::new(),
            part: Part::default(),
        }
    }
}

impl<F: Format> Mapper for Lines<'_, F> {
    type Part = Part;

    fn record(
        &mut self,
        src: &SourceInfo,
        batch: &Batch,
        rec: &Record<'_>,
    ) -> Option<bsm_format::Error> {
        let ev = match Event::parse(rec, self.acts) {
            Ok(Some(ev)) => ev,
            Ok(None) => return None,
            Err(e) => return Some(e),
        };
        let error = ev.error.clone();
        let selected = self.filter.matches(rec);
        if selected {
            let mut w = Writer {
                ctx: self.ctx,
                accounts: &self.accounts,
                src,
                clock: std::mem::replace(&mut self.clock, Clock::json(self.ctx.zone, false)),
                scratch: std::mem::take(&mut self.scratch),
            };
            self.format.line(&mut self.part.lines, &mut w, &ev, rec);
            self.clock = w.clock;
            self.scratch = w.scratch;
        }
        let end = self.part.lines.len();
        let ev = ev.with_bytes(|b| {
            batch
                .shared(rec)
                .unwrap_or_else(|| Bytes::copy_from_slice(b))
        });
        self.part.items.push(Item { ev, selected, end });
        error
    }

    fn take(&mut self) -> Part {
        // The next part is about as large as this one.
        let hint = self.part.lines.len() + self.part.lines.len() / 8;
        let next = Part {
            lines: crate::read::pipeline::buffer(hint),
            items: Vec::with_capacity(self.part.items.len()),
        };
        std::mem::replace(&mut self.part, next)
    }
}

/// Where filled lines go.
pub trait Output {
    /// Where lines can be written directly, when the output is a plain stream of them.
    fn buffer(&mut self) -> Option<&mut Vec<u8>> {
        None
    }
    /// One record's line (when there is no [`Output::buffer`]).
    fn line(&mut self, ev: &Event, src: &SourceInfo, line: &[u8]) -> io::Result<()>;
    /// The lines of a batch are done.
    fn end_part(&mut self) -> io::Result<()> {
        Ok(())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
    fn finish(&mut self) -> io::Result<()>;
}

/// Lines written out in order (JSON Lines on stdout).
pub struct Stream<'o> {
    pub out: &'o mut dyn Write,
    buf: Vec<u8>,
}

impl<'o> Stream<'o> {
    pub fn new(out: &'o mut dyn Write) -> Stream<'o> {
        Stream {
            out,
            buf: Vec::new(),
        }
    }
}

impl Output for Stream<'_> {
    fn buffer(&mut self) -> Option<&mut Vec<u8>> {
        Some(&mut self.buf)
    }

    fn line(&mut self, _: &Event, _: &SourceInfo, line: &[u8]) -> io::Result<()> {
        self.buf.extend_from_slice(line);
        Ok(())
    }

    fn end_part(&mut self) -> io::Result<()> {
        self.out.write_all(&self.buf)?;
        self.buf.clear();
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    fn finish(&mut self) -> io::Result<()> {
        self.end_part()?;
        self.out.flush()
    }
}

/// In order: the model takes each record, and its line's markers are filled.
pub struct Fill<'s, F: Format, O: Output> {
    format: &'s F,
    ctx: Context<'s>,
    model: Model<Cache>,
    pub output: O,
    line: Vec<u8>,
    /// Lines written.
    pub written: u64,
    /// The bar of a long export on a terminal.
    progress: crate::read::progress::Progress,
}

impl<'s, F: Format, O: Output> Fill<'s, F, O> {
    /// Fills the lines in order; `progress` is the bar of a long export.
    pub fn new(
        format: &'s F,
        ctx: Context<'s>,
        output: O,
        progress: crate::read::progress::Progress,
    ) -> Fill<'s, F, O> {
        Fill {
            format,
            ctx,
            model: Model::new(),
            output,
            line: Vec::new(),
            written: 0,
            progress,
        }
    }
}

impl<F: Format, O: Output> Sink<Part> for Fill<'_, F, O> {
    fn apply(&mut self, part: Part, src: &SourceInfo) -> io::Result<()> {
        let host = self.model.host(src.host.as_deref());
        let mut start = 0;
        for item in &part.items {
            let line = &part.lines[start..item.end];
            start = item.end;
            // An exec's actor is the program it replaces: its fragment is taken before.
            let mut before = Vec::new();
            let wants_before = item.selected
                && item.ev.act == knox_model::Act::Exec
                && line.windows(2).any(|w| w == [MARK, b'B']);
            if wants_before {
                let at = At {
                    model: &self.model,
                    host,
                    ev: &item.ev,
                    ctx: self.ctx,
                    before: None,
                };
                if at.subject().is_some() {
                    self.format.fill(b'A', &mut before, &at);
                }
            }
            self.model.apply(host, &item.ev);
            if item.selected {
                let at = At {
                    model: &self.model,
                    host,
                    ev: &item.ev,
                    ctx: self.ctx,
                    before: Some(&before[..]).filter(|b| !b.is_empty()),
                };
                let format = self.format;
                match self.output.buffer() {
                    Some(buf) => splice(buf, line, |code, out| format.fill(code, out, &at)),
                    None => {
                        self.line.clear();
                        splice(&mut self.line, line, |code, out| {
                            format.fill(code, out, &at)
                        });
                        self.output.line(&item.ev, src, &self.line)?;
                    }
                }
                self.written += 1;
            }
            // Ended processes are simply forgotten.
            self.model.changes().for_each(drop);
        }
        crate::read::pipeline::recycle(part.lines);
        self.output.end_part()
    }

    fn flush(&mut self) -> io::Result<()> {
        self.output.flush()
    }

    fn finish(&mut self) -> io::Result<()> {
        self.progress.finish();
        self.model.finish();
        self.model.changes().for_each(drop);
        self.output.finish()
    }

    fn progress(&mut self, source: usize, done: u64) {
        self.progress.update(source, done);
    }
}

/// The process model's fields of a flat line (marker `M`): the subject's stable process id, its
/// parent's id and pid, and the command line of the program it runs.
pub fn process_fields(code: u8, out: &mut Vec<u8>, at: &At<'_>) {
    if code != b'M' {
        return;
    }
    let p = at.subject();
    let field = |out: &mut Vec<u8>, k: &str| {
        out.extend_from_slice(b",\"");
        out.extend_from_slice(k.as_bytes());
        out.extend_from_slice(b"\":");
    };
    field(out, "process_id");
    match p {
        Some(p) => crate::output::jsonw::string(out, p.id.as_str()),
        None => out.extend_from_slice(b"null"),
    }
    field(out, "parent_id");
    match p.and_then(|p| p.parent.as_ref()) {
        Some(id) => crate::output::jsonw::string(out, id.as_str()),
        None => out.extend_from_slice(b"null"),
    }
    field(out, "ppid");
    match p.and_then(|p| p.ppid) {
        Some(pp) => crate::output::praudit::fmt::uint(out, pp as u64),
        None => out.extend_from_slice(b"null"),
    }
    field(out, "command_line");
    match p.filter(|p| p.image().is_some()) {
        Some(p) => crate::output::jsonw::string(out, &crate::output::activity::command_text(p)),
        None => out.extend_from_slice(b"null"),
    }
}

/// Copies a line, replacing each marker by what `fill` writes for its code.
fn splice(out: &mut Vec<u8>, line: &[u8], mut fill: impl FnMut(u8, &mut Vec<u8>)) {
    let mut rest = line;
    while let Some(i) = memchr::memchr(MARK, rest) {
        out.extend_from_slice(&rest[..i]);
        match rest.get(i + 1) {
            Some(&code) => {
                fill(code, out);
                rest = &rest[i + 2..];
            }
            None => {
                rest = &[];
            }
        }
    }
    out.extend_from_slice(rest);
}

/// Writes a marker.
pub fn mark(out: &mut Vec<u8>, code: u8) {
    out.push(MARK);
    out.push(code);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_are_replaced_in_place() {
        let mut out = Vec::new();
        let line = [
            b"{\"a\":".as_slice(),
            &[MARK, b'A'],
            b",\"b\":",
            &[MARK, b'P'],
            b"}\n",
        ]
        .concat();
        splice(&mut out, &line, |c, o| {
            o.extend_from_slice(if c == b'A' { b"1" } else { b"[2]" })
        });
        assert_eq!(out, b"{\"a\":1,\"b\":[2]}\n");
    }
}
