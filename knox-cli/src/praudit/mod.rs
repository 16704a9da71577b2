//! `knox praudit`: OpenBSM's praudit on any OS, byte for byte, with its failures fixed.
//!
//! Output matches praudit's for well-formed input in every flag combination. Where knox
//! deliberately differs (each documented in the README and asserted by the conformance test):
//! error texts are BSD's; bad input is reported on stderr with its offset and the run resyncs;
//! tokens praudit misparses or does not know are printed with their right fields; `-x` is always
//! well-formed XML; `-p` never loops.

pub mod fmt;
mod text;
mod xml;

use std::io::{self, Write};

use bsm_format::tables::EventTable;
use bsm_format::{FrameOptions, Record, RecordReader, Token};

use crate::accounts::Accounts;
use crate::input::Source;
use crate::report::{Problem, Problems};

/// praudit's flags.
#[derive(Debug, Clone)]
pub struct Options {
    /// `-l`: one record per line.
    pub oneline: bool,
    /// `-r`: numbers instead of names, token ids instead of labels.
    pub raw: bool,
    /// `-s`: short event names (`AUE_OPEN_R`).
    pub short: bool,
    /// `-x`: XML.
    pub xml: bool,
    /// `-p`: skip to the first header32 record (input that starts mid-record, as from tail -f).
    pub sync: bool,
    /// `-d`: the field delimiter (any string).
    pub delim: Vec<u8>,
    /// `--safe`: make control characters in text fields visible (never raw to a terminal).
    pub safe: bool,
    /// `--utc`: times in UTC instead of the local zone.
    pub utc: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            oneline: false,
            raw: false,
            short: false,
            xml: false,
            sync: false,
            delim: b",".to_vec(),
            safe: false,
            utc: false,
        }
    }
}

/// Prints records in praudit's formats.
pub struct Printer<'t> {
    opts: Options,
    events: &'t EventTable,
    accounts: Accounts,
    ctime: fmt::Ctime,
    filter: Option<crate::filter::Filter>,
}

impl<'t> Printer<'t> {
    pub fn new(opts: Options, events: &'t EventTable, accounts: Accounts) -> Printer<'t> {
        let ctime = fmt::Ctime::new(opts.utc);
        Printer {
            opts,
            events,
            accounts,
            ctime,
            filter: None,
        }
    }

    /// Prints only the records this filter selects.
    pub fn set_filter(&mut self, f: crate::filter::Filter) {
        self.filter = (!f.selects_all()).then_some(f);
    }

    pub fn options(&self) -> &Options {
        &self.opts
    }

    /// What comes before the first record (the XML prologue).
    pub fn begin(&self, out: &mut Vec<u8>) {
        if self.opts.xml {
            out.extend_from_slice(b"<?xml version='1.0' ?>\n<audit>\n");
        }
    }

    /// What comes after the last record.
    pub fn end(&self, out: &mut Vec<u8>) {
        if self.opts.xml {
            out.extend_from_slice(b"</audit>\n");
        }
    }

    /// Prints one record; returns the first decode error in it, if any. As praudit does, the
    /// tokens after a bad one are not printed; unlike praudit, an XML record is still closed.
    pub fn record(&mut self, rec: &Record<'_>, out: &mut Vec<u8>) -> Option<bsm_format::Error> {
        let mut open = false;
        let mut error = None;
        let standalone = rec.kind() == bsm_format::RecordKind::File;
        for t in rec.tokens() {
            let t = match t {
                Ok(t) => t,
                Err(e) => {
                    error = Some(e);
                    break;
                }
            };
            if self.opts.xml {
                match t {
                    // A second header inside a record: an element, not a nested record.
                    Token::Header(h) if open => {
                        out.extend_from_slice(b"<header ");
                        self.header_attrs(out, &h);
                        out.pop();
                        out.extend_from_slice(b"/>");
                    }
                    _ => self.xml_token(out, &t),
                }
                match t {
                    Token::Header(_) => open = true,
                    Token::Trailer(_) => open = false,
                    _ => {}
                }
                if !self.opts.oneline || matches!(t, Token::Trailer(_)) || standalone {
                    out.push(b'\n');
                }
            } else {
                self.text_token(out, &t);
                if self.opts.oneline {
                    out.extend_from_slice(&self.opts.delim);
                } else {
                    out.push(b'\n');
                }
            }
        }
        if open {
            out.extend_from_slice(b"</record>\n");
        }
        if self.opts.oneline && !self.opts.xml {
            out.push(b'\n');
        }
        error
    }
}

/// How much output to gather before writing it.
const FLUSH_AT: usize = 256 * 1024;

/// Prints every source. Decode problems go to `err` as `knox praudit: FILE: <what> at offset N`
/// and are counted in `problems`; unreadable sources are reported and skipped.
pub fn run(
    sources: &[Source],
    printer: &mut Printer<'_>,
    out: &mut dyn Write,
    err: &mut dyn Write,
    problems: &mut Problems,
) -> io::Result<()> {
    let mut buf = Vec::with_capacity(FLUSH_AT + 64 * 1024);
    printer.begin(&mut buf);
    let frame = FrameOptions {
        sync_header32: printer.opts.sync,
        ..FrameOptions::default()
    };
    for src in sources {
        let name = src.name();
        let reader = match src.open() {
            Ok(r) => r,
            Err(e) => {
                writeln!(err, "knox praudit: {name}: {e}")?;
                problems.unreadable.push(name);
                continue;
            }
        };
        let mut rr = RecordReader::with_options(reader, bsm_format::DEFAULT_CHUNK, frame);
        while let Some(r) = rr.next_record() {
            let problem = match r {
                Ok(rec) if printer.filter.as_ref().is_some_and(|f| !f.matches(&rec)) => None,
                Ok(rec) => printer.record(&rec, &mut buf),
                Err(e) => Some(e),
            };
            if let Some(e) = problem {
                problems.decode_errors += 1;
                writeln!(err, "knox praudit: {}", Problem::new(&name, &e))?;
            }
            if buf.len() >= FLUSH_AT || (src.is_live() && !buf.is_empty()) {
                out.write_all(&buf)?;
                out.flush()?;
                buf.clear();
            }
        }
    }
    printer.end(&mut buf);
    out.write_all(&buf)?;
    out.flush()
}
