//! The `records` table's rows: one flat JSON object per record, with the columns of
//! [`super::parquet::records_schema`] (the Parquet writer decodes them with that schema).

use bsm_format::{Record, Token};
use knox_model::{Event, Outcome};

use super::{mark, At, Format, Writer};
use crate::jsonw::{self, Obj};

/// Writes `records` rows.
pub struct Rows;

/// Text for a column: lossy where the bytes are not UTF-8 (the `tokens` column keeps them all).
fn text(o: &mut Obj<'_>, k: &str, b: Option<&[u8]>) {
    match b {
        Some(b) => o.str(k, &String::from_utf8_lossy(b)),
        None => o.null(k),
    }
}

fn list<'a>(o: &mut Obj<'_>, k: &str, items: impl Iterator<Item = &'a [u8]>) {
    jsonw::array(o.key(k), items, |b, x| {
        jsonw::string(b, &String::from_utf8_lossy(x))
    });
}

impl Format for Rows {
    fn line(&self, out: &mut Vec<u8>, w: &mut Writer<'_>, ev: &Event<&[u8]>, rec: &Record<'_>) {
        let s = w.settings;
        let info = s.events.get(ev.event.0);
        let mut o = Obj::new(out);
        o.u64(
            "time",
            ev.time
                .sec
                .saturating_mul(1000)
                .saturating_add(ev.time.msec),
        );
        o.str("file", &w.src.name);
        o.u64("offset", ev.offset());
        o.u64("length", rec.len() as u64);
        o.str("kind", ev.header.id().name().unwrap_or("header"));
        o.u64("event", ev.event.0 as u64);
        o.opt_str("event_name", info.map(|e| e.name.as_str()));
        o.str("act", ev.act.name());
        o.u64("modifier", ev.modifier.bits() as u64);
        match ev.outcome() {
            Outcome::Success => o.bool("success", true),
            Outcome::Failure(_) => o.bool("success", false),
            Outcome::Unknown => o.null("success"),
        }
        o.opt_u64("errno", ev.errno().map(|e| e.0 as u64));
        o.opt_str("errno_name", ev.errno().and_then(|e| e.name()));
        match ev.result {
            Some(r) if r.width == bsm_format::token::Width::W32 => {
                o.i64("return_value", r.value as u32 as i32 as i64)
            }
            Some(r) => o.i64("return_value", r.value as i64),
            None => o.null("return_value"),
        }
        match ev.subject {
            Some(subj) => {
                o.u64("pid", subj.pid as u64);
                o.u64("auid", subj.auid as u64);
                o.u64("euid", subj.euid as u64);
                o.u64("egid", subj.egid as u64);
                o.u64("ruid", subj.ruid as u64);
                o.u64("rgid", subj.rgid as u64);
                o.u64("session", subj.sid as u64);
                o.str("terminal", &format!("{} {}", subj.tid.port, subj.tid.addr));
                o.opt_str("user", w.accounts.user_name(subj.euid).as_deref());
            }
            None => {
                for k in [
                    "pid", "auid", "euid", "egid", "ruid", "rgid", "session", "terminal", "user",
                ] {
                    o.null(k);
                }
            }
        }
        list(&mut o, "paths", ev.paths());
        match ev.argv() {
            Some(a) => list(&mut o, "argv", a.iter()),
            None => o.null("argv"),
        }
        match ev.envp() {
            Some(a) => list(&mut o, "envp", a.iter()),
            None => o.null("envp"),
        }
        text(&mut o, "text", ev.text());
        o.opt_str(
            "remote_address",
            ev.remote().map(|a| a.to_string()).as_deref(),
        );
        o.opt_str(
            "local_address",
            ev.local().map(|a| a.to_string()).as_deref(),
        );
        o.opt_u64("seq", ev.seq.map(u64::from));
        o.opt_u64("exit_status", ev.exit.map(|x| x.status as u64));
        o.opt_str("error", ev.error.as_ref().map(|e| e.to_string()).as_deref());
        // Every token, lossless, as `knox json` writes them, in one JSON text.
        w.scratch.clear();
        w.scratch.push(b'[');
        for (i, t) in rec.tokens().enumerate() {
            let Ok(t): Result<Token<'_>, _> = t else {
                break;
            };
            if i > 0 {
                w.scratch.push(b',');
            }
            jsonw::token(&mut w.scratch, &t);
        }
        w.scratch.push(b']');
        o.str("tokens", &String::from_utf8_lossy(&w.scratch));
        mark(o.out, b'M');
        o.end();
        out.push(b'\n');
    }

    fn fill(&self, code: u8, out: &mut Vec<u8>, at: &At<'_>) {
        super::process_fields(code, out, at);
    }
}
