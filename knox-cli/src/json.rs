//! `knox json`: JSON Lines, one object per record (and one per trail `file` token), with every
//! token and its named fields. The schema is `schema/knox-json.schema.json`.
//!
//! Strings are JSON strings when the bytes are UTF-8, else `{"base64": "..."}`: nothing is lost.

use std::io::{self, Write};

use bsm_format::tables::EventTable;
use bsm_format::{Record, RecordKind, RecordReader, Token};
use serde::Serialize;

use crate::filter::Filter;
use crate::input::Source;
use crate::report::{Problem, Problems};

#[derive(Serialize)]
struct RecordJson<'a> {
    /// The source the record came from (`-` for stdin).
    file: &'a str,
    /// Byte offset of the record in that source.
    offset: u64,
    /// `header32`, `header32_ex`, `header64`, `header64_ex` or `file`.
    kind: &'static str,
    length: usize,
    /// RFC 3339 in UTC, from the header (or file token).
    time: Option<String>,
    sec: Option<u64>,
    msec: Option<u64>,
    event: Option<EventJson<'a>>,
    modifier: Option<u16>,
    /// Whether the record's return tokens all say success (absent without a return token).
    success: Option<bool>,
    tokens: Vec<Token<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<ErrorJson>,
}

#[derive(Serialize)]
struct EventJson<'a> {
    number: u16,
    name: Option<&'a str>,
    description: Option<&'a str>,
    classes: Option<&'a str>,
}

#[derive(Serialize)]
struct ErrorJson {
    offset: u64,
    message: String,
}

fn rfc3339(t: bsm_format::Time) -> Option<String> {
    t.to_utc()
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
}

/// Writes one record as a JSON line; returns its first decode error, if any.
pub fn write_record(
    out: &mut Vec<u8>,
    rec: &Record<'_>,
    file: &str,
    events: &EventTable,
) -> Option<bsm_format::Error> {
    let mut tokens = Vec::new();
    let mut error = None;
    let mut success = None;
    for t in rec.tokens() {
        match t {
            Ok(t) => {
                if let Token::Return(r) = t {
                    success = Some(success.unwrap_or(true) && r.errno.is_success());
                }
                tokens.push(t);
            }
            Err(e) => {
                error = Some(e);
                break;
            }
        }
    }
    let (kind, time, event, modifier) = match (rec.kind(), tokens.first()) {
        (RecordKind::Header(k), Some(Token::Header(h))) => (
            k.id().name().unwrap_or("header"),
            Some(h.time),
            Some(h.event.0),
            Some(h.modifier.bits()),
        ),
        (RecordKind::Header(k), _) => (k.id().name().unwrap_or("header"), None, None, None),
        (RecordKind::File, Some(Token::File(f))) => ("file", Some(f.time), None, None),
        (RecordKind::File, _) => ("file", None, None, None),
    };
    let j = RecordJson {
        file,
        offset: rec.offset(),
        kind,
        length: rec.len(),
        time: time.and_then(rfc3339),
        sec: time.map(|t| t.sec),
        msec: time.map(|t| t.msec),
        event: event.map(|n| {
            let info = events.get(n);
            EventJson {
                number: n,
                name: info.map(|e| e.name.as_str()),
                description: info.map(|e| e.description.as_str()),
                classes: info.map(|e| e.classes.as_str()),
            }
        }),
        modifier,
        success,
        tokens,
        error: error.as_ref().map(|e| ErrorJson {
            offset: e.offset,
            message: e.kind.to_string(),
        }),
    };
    // Serializing owned, valid data into memory cannot fail.
    let _ = serde_json::to_writer(&mut *out, &j);
    out.push(b'\n');
    error
}

/// Writes every record of every source as JSON Lines.
pub fn run(
    sources: &[Source],
    events: &EventTable,
    filter: &Filter,
    out: &mut dyn Write,
    err: &mut dyn Write,
    problems: &mut Problems,
) -> io::Result<()> {
    let mut buf = Vec::with_capacity(1 << 17);
    for src in sources {
        let name = src.name();
        let reader = match src.open() {
            Ok(r) => r,
            Err(e) => {
                writeln!(err, "knox json: {name}: {e}")?;
                problems.unreadable.push(name);
                continue;
            }
        };
        let mut rr = RecordReader::new(reader);
        while let Some(r) = rr.next_record() {
            let problem = match r {
                Ok(rec) if !filter.matches(&rec) => None,
                Ok(rec) => write_record(&mut buf, &rec, &name, events),
                Err(e) => Some(e),
            };
            if let Some(e) = problem {
                problems.decode_errors += 1;
                writeln!(err, "knox json: {}", Problem::new(&name, &e))?;
            }
            if buf.len() >= 1 << 17 || (src.is_live() && !buf.is_empty()) {
                out.write_all(&buf)?;
                out.flush()?;
                buf.clear();
            }
        }
    }
    out.write_all(&buf)?;
    out.flush()
}
