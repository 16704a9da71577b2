//! `knox json`: JSON Lines, one object per record (and one per trail `file` token), with every
//! token and its named fields. The schema is `schema/knox-json.schema.json`.
//!
//! Strings are JSON strings when the bytes are UTF-8, else `{"base64": "..."}`: nothing is lost.

use std::io::{self, Write};

use bsm_format::tables::EventTable;
use bsm_format::{Record, RecordKind, RecordReader, Token};

use crate::filter::Filter;
use crate::input::Source;
use crate::report::{Problem, Problems};

/// RFC 3339 in UTC with milliseconds; the date and time of day are cached per second, since
/// records come many to a second.
fn rfc3339(t: bsm_format::Time) -> Option<String> {
    use std::cell::RefCell;
    thread_local! {
        static LAST: RefCell<(u64, String)> = const { RefCell::new((u64::MAX, String::new())) };
    }
    if t.msec >= 1000 {
        return t
            .to_utc()
            .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
    }
    LAST.with(|last| {
        let mut last = last.borrow_mut();
        if last.0 != t.sec {
            let d = bsm_format::Time::new(t.sec, 0).to_utc()?;
            *last = (t.sec, d.format("%Y-%m-%dT%H:%M:%S").to_string());
        }
        Some(format!("{}.{:03}Z", last.1, t.msec))
    })
}

/// Writes one record as a JSON line; returns its first decode error, if any.
pub fn write_record(
    out: &mut Vec<u8>,
    rec: &Record<'_>,
    file: &str,
    events: &EventTable,
) -> Option<bsm_format::Error> {
    use crate::jsonw::Obj;
    let mut tokens = Vec::new();
    let mut error = None;
    let mut success: Option<bool> = None;
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
    let null = |o: &mut Vec<u8>| o.extend_from_slice(b"null");
    let mut o = Obj::new(out);
    o.str("file", file);
    o.u64("offset", rec.offset());
    o.str("kind", kind);
    o.u64("length", rec.len() as u64);
    match time.and_then(rfc3339) {
        Some(text) => o.str("time", &text),
        None => null(o.key("time")),
    }
    match time {
        Some(t) => {
            o.u64("sec", t.sec);
            o.u64("msec", t.msec);
        }
        None => {
            null(o.key("sec"));
            null(o.key("msec"));
        }
    }
    match event {
        Some(n) => {
            let info = events.get(n);
            let mut e = Obj::new(o.key("event"));
            e.u64("number", n as u64);
            for (k, v) in [
                ("name", info.map(|i| i.name.as_str())),
                ("description", info.map(|i| i.description.as_str())),
                ("classes", info.map(|i| i.classes.as_str())),
            ] {
                match v {
                    Some(v) => e.str(k, v),
                    None => null(e.key(k)),
                }
            }
            e.end();
        }
        None => null(o.key("event")),
    }
    match modifier {
        Some(m) => o.u64("modifier", m as u64),
        None => null(o.key("modifier")),
    }
    match success {
        Some(s) => o.bool("success", s),
        None => null(o.key("success")),
    }
    let list = o.key("tokens");
    list.push(b'[');
    for (i, t) in tokens.iter().enumerate() {
        if i > 0 {
            list.push(b',');
        }
        crate::jsonw::token(list, t);
    }
    list.push(b']');
    if let Some(e) = &error {
        let mut eo = Obj::new(o.key("error"));
        eo.u64("offset", e.offset);
        eo.str("message", &e.kind.to_string());
        eo.end();
    }
    o.end();
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
