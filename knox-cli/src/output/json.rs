//! `knox json`: JSON Lines, one object per record (and one per trail `file` token), with every
//! token and its named fields. The schema is `schema/knox-json.schema.json`.
//!
//! Strings are JSON strings when the bytes are UTF-8, else `{"base64": "..."}`: nothing is lost.

use bsm_format::tables::EventTable;
use bsm_format::{Batch, Record, RecordKind, Token};

use crate::read::pipeline::{Mapper, SourceInfo};
use crate::read::settings::Context;
use crate::time::Clock;

/// Writes one record as a JSON line; returns its first decode error, if any. `scratch` is a
/// buffer the caller keeps between records (the tokens are written there first, since the
/// fields before them depend on them).
pub fn write_record(
    out: &mut Vec<u8>,
    scratch: &mut Vec<u8>,
    rec: &Record<'_>,
    src: &SourceInfo,
    events: &EventTable,
    clock: &mut Clock,
) -> Option<bsm_format::Error> {
    use crate::output::jsonw::Obj;
    let mut error = None;
    let mut success: Option<bool> = None;
    // The first failing return token: its errno and value.
    let mut failure: Option<knox_model::Failure> = None;
    let mut first = None;
    scratch.clear();
    scratch.push(b'[');
    for (i, t) in rec.tokens().enumerate() {
        match t {
            Ok(t) => {
                match t {
                    Token::Return(r) => {
                        success = Some(success.unwrap_or(true) && r.errno.is_success());
                        if !r.errno.is_success() && failure.is_none() {
                            failure = Some(knox_model::Failure {
                                errno: r.errno,
                                return_value: Some(match r.width {
                                    bsm_format::token::Width::W32 => r.value as u32 as i32 as i64,
                                    bsm_format::token::Width::W64 => r.value as i64,
                                }),
                            });
                        }
                    }
                    Token::Header(h) if i == 0 => first = Some((Some(h), h.time)),
                    Token::File(f) if i == 0 => first = Some((None, f.time)),
                    _ => {}
                }
                if i > 0 {
                    scratch.push(b',');
                }
                crate::output::jsonw::token(scratch, &t);
            }
            Err(e) => {
                error = Some(e);
                break;
            }
        }
    }
    scratch.push(b']');
    let (kind, time, event, modifier) = match (rec.kind(), first) {
        (RecordKind::Header(k), Some((Some(h), _))) => (
            k.id().name().unwrap_or("header"),
            Some(h.time),
            Some(h.event.0),
            Some(h.modifier.bits()),
        ),
        (RecordKind::Header(k), _) => (k.id().name().unwrap_or("header"), None, None, None),
        (RecordKind::File, Some((None, t))) => ("file", Some(t), None, None),
        (RecordKind::File, _) => ("file", None, None, None),
    };
    let null = |o: &mut Vec<u8>| o.extend_from_slice(b"null");
    let mut o = Obj::new(out);
    o.str("file", &src.name);
    o.opt_str("host", src.host.as_deref());
    o.u64("offset", rec.offset());
    o.str("kind", kind);
    o.u64("length", rec.len() as u64);
    match time {
        Some(t) => o.time("time", clock, t),
        None => o.null("time"),
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
    if let Some(f) = failure {
        // What is known of the failure, the same in every output: the errno, its name when BSM
        // has one, praudit's text for it, and the return value.
        let mut fo = Obj::new(o.key("failure"));
        fo.u64("errno", f.errno.0 as u64);
        match f.name() {
            Some(n) => fo.str("name", n),
            None => fo.null("name"),
        }
        fo.str("text", &f.text());
        match f.return_value {
            Some(r) => fo.i64("return_value", r),
            None => fo.null("return_value"),
        }
        fo.end();
    }
    o.key("tokens").extend_from_slice(scratch);
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

/// Writes the JSON lines of a batch's selected records.
pub struct Lines<'s> {
    ctx: Context<'s>,
    filter: &'s crate::read::filter::Filter,
    clock: Clock,
    out: Vec<u8>,
    scratch: Vec<u8>,
}

impl<'s> Lines<'s> {
    pub fn new(ctx: Context<'s>, filter: &'s crate::read::filter::Filter) -> Lines<'s> {
        Lines {
            ctx,
            filter,
            clock: ctx.json_clock(),
            out: Vec::new(),
            scratch: Vec::new(),
        }
    }
}

impl Mapper for Lines<'_> {
    type Part = Vec<u8>;

    fn record(
        &mut self,
        src: &SourceInfo,
        _: &Batch,
        rec: &Record<'_>,
    ) -> Option<bsm_format::Error> {
        if !self.filter.matches(rec) {
            // Not selected: its problems are still reported.
            return rec.tokens().find_map(Result::err);
        }
        write_record(
            &mut self.out,
            &mut self.scratch,
            rec,
            src,
            self.ctx.events,
            &mut self.clock,
        )
    }

    fn take(&mut self) -> Vec<u8> {
        // The next part is about as large as this one.
        let next = crate::read::pipeline::buffer(self.out.len() + self.out.len() / 8);
        std::mem::replace(&mut self.out, next)
    }
}
