//! Timesketch's JSON Lines: one line per record with `message`, `datetime` (ISO 8601),
//! `timestamp` (microseconds) and `timestamp_desc`, and flat fields to filter on: host, pid,
//! parent, user, command line, path, address, event, outcome, and the stable process ids.

use bsm_format::Record;
use knox_model::{Event, Outcome};

use super::{mark, At, Format, Writer};
use crate::output::jsonw::Obj;

/// Writes Timesketch lines.
pub struct Timesketch;

impl Format for Timesketch {
    fn line(&self, out: &mut Vec<u8>, w: &mut Writer<'_>, ev: &Event<&[u8]>, _: &Record<'_>) {
        let s = w.ctx;
        let info = s.events.get(ev.event.0);
        let name = info.map(|e| e.name.as_str());
        let outcome = match ev.outcome() {
            Outcome::Success => "success".to_string(),
            Outcome::Failure(e) => format!("failure: {}", e.name().unwrap_or("unknown")),
            Outcome::Unknown => "unknown".to_string(),
        };
        let user = ev.subject.map(|subj| {
            w.accounts
                .user_name(subj.euid)
                .unwrap_or_else(|| (subj.euid as i32).to_string())
        });
        // The message reads as a sentence: what happened, to what, by whom, how it ended.
        let what = info.map_or_else(|| ev.act.name().to_string(), |e| e.description.clone());
        let mut message = what;
        let argv: Vec<String> = ev
            .argv()
            .map(|a| {
                a.iter()
                    .map(|x| String::from_utf8_lossy(x).into_owned())
                    .collect()
            })
            .unwrap_or_default();
        if ev.act.is_exec() && !argv.is_empty() {
            // Quoted as a shell would take it back, like `knox commands`.
            let mut cmd = Vec::new();
            for (i, a) in ev.argv().into_iter().flat_map(|a| a.iter()).enumerate() {
                if i > 0 {
                    cmd.push(b' ');
                }
                crate::output::quote::shell_quote(&mut cmd, a);
            }
            message.push(' ');
            message.push_str(&String::from_utf8_lossy(&cmd));
        } else if let Some(p) = ev.path() {
            message.push(' ');
            message.push_str(&String::from_utf8_lossy(p));
        } else if let Some(a) = ev.remote().or(ev.local()) {
            message.push(' ');
            message.push_str(&a.to_string());
        } else if let Some(t) = ev.text() {
            message.push(' ');
            message.push_str(&String::from_utf8_lossy(t));
        }
        if let (Some(subj), Some(u)) = (ev.subject, &user) {
            message.push_str(&format!(" (pid {}, {u})", subj.pid));
        }
        message.push_str(": ");
        message.push_str(&outcome);

        let mut o = Obj::new(out);
        o.str("message", &message);
        o.time("datetime", &mut w.clock, ev.time);
        o.u64(
            "timestamp",
            ev.time
                .sec
                .saturating_mul(1_000_000)
                .saturating_add(ev.time.msec * 1000),
        );
        o.str("timestamp_desc", "Event Time");
        o.str("data_type", "bsm:audit:record");
        o.opt_str("host", w.src.host.as_deref());
        o.u64("event", ev.event.0 as u64);
        o.opt_str("event_name", name);
        o.str("act", ev.act.name());
        o.str("outcome", &outcome);
        match ev.subject {
            Some(subj) => {
                o.u64("pid", subj.pid as u64);
                o.i64("auid", subj.auid as i32 as i64);
                o.i64("euid", subj.euid as i32 as i64);
                o.opt_str("user", user.as_deref());
                o.u64("session", subj.sid as u64);
            }
            None => {
                o.null("pid");
                o.null("user");
            }
        }
        match ev.path() {
            Some(p) => o.bytes("path", p),
            None => o.null("path"),
        }
        o.opt_str(
            "address",
            ev.remote().or(ev.local()).map(|a| a.to_string()).as_deref(),
        );
        if ev.act.is_exec() {
            crate::output::jsonw::array(o.key("argv"), &argv, |b, a| {
                crate::output::jsonw::string(b, a)
            });
        }
        o.str("file", &w.src.name);
        o.u64("offset", ev.offset());
        // The process model's part: ids, parent, and the program the process runs.
        mark(o.out, b'M');
        o.end();
        out.push(b'\n');
    }

    fn fill(&self, code: u8, out: &mut Vec<u8>, at: &At<'_>) {
        super::process_fields(code, out, at);
    }
}
