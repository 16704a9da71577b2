//! `knox timeline --html OUT.html`: one self-contained page (no network, no external script)
//! with the process tree and, per process, a time axis of its file, network, exec and error
//! events, to zoom and filter by process and path. Times on the page are in the zone of text
//! output (`TZ`, or UTC under `--utc`): the page carries the zone's offsets over the trail's
//! time range, so that a browser anywhere labels them the same.

use std::collections::HashMap;
use std::io::{self, Write};

use bsm_format::Time;
use chrono::{DateTime, Local, Offset, TimeZone};
use knox_model::{End, Model, Process};
use serde::Serialize;

use crate::output::activity::{command_text, shown, Activity, Moment, Needs, Report};
use crate::time::{Clock, Zone};

#[derive(Serialize)]
struct Proc {
    id: String,
    pid: u32,
    ppid: Option<u32>,
    /// Index of the parent in the list, when it is there.
    parent: Option<usize>,
    cmd: String,
    /// The program is the parent's (a forked child that did not exec).
    inherited: bool,
    start: String,
    end: Option<String>,
    status: Option<u32>,
    files: u64,
    net: u64,
    failed: u64,
}

#[derive(Serialize)]
struct Data<'a> {
    title: &'a str,
    /// How the zone is named on the page (`UTC`, or the local offset at the first event).
    zone: String,
    /// (milliseconds since the epoch, offset in seconds) from each point on: the zone's offset
    /// over the trail's range.
    offsets: Vec<(u64, i32)>,
    processes: Vec<Proc>,
    /// [milliseconds, process index, kind, what]
    moments: Vec<(u64, usize, &'static str, String)>,
    dropped: u64,
    dropped_processes: u64,
}

/// Most processes on one page: the first ones of the `--pid` scope in order of appearance
/// (a browser stays responsive; use `--pid` or a selection to see others).
pub const MAX_PROCESSES: usize = 20_000;

/// Most zone offset changes carried by a page.
const MAX_OFFSETS: usize = 1000;

const PAGE: &str = include_str!("timeline.html");

/// Collects the first [`MAX_PROCESSES`] processes of the `--pid` scope and their moments (which
/// the activity model caps at [`crate::output::activity::MAX_MOMENTS`]); the page is written at the end.
pub struct Timeline<'a> {
    out: &'a mut dyn Write,
    title: String,
    zone: Zone,
    clock: Clock,
    /// In-scope processes that appeared, and the `seq` of the last one kept.
    appeared: usize,
    last_kept: u64,
    dropped_processes: u64,
    /// (seq, parent seq, process, moments)
    done: Vec<(u64, Option<u64>, Proc, Vec<Moment>)>,
    /// Moments the model did not keep, set before [`Timeline::write`].
    pub dropped: u64,
}

impl<'a> Timeline<'a> {
    pub fn new(out: &'a mut dyn Write, title: String, zone: Zone) -> Timeline<'a> {
        Timeline {
            out,
            title,
            zone,
            clock: Clock::text(zone),
            appeared: 0,
            last_kept: 0,
            dropped_processes: 0,
            done: Vec::new(),
            dropped: 0,
        }
    }

    /// Writes the page.
    pub fn write(mut self) -> io::Result<()> {
        self.done.sort_unstable_by_key(|d| d.0);
        let index: HashMap<u64, usize> = self
            .done
            .iter()
            .enumerate()
            .map(|(i, d)| (d.0, i))
            .collect();
        let mut processes = Vec::with_capacity(self.done.len());
        let mut moments = Vec::new();
        for (i, (_, parent, mut p, ms)) in self.done.into_iter().enumerate() {
            p.parent = parent.and_then(|s| index.get(&s).copied());
            processes.push(p);
            moments.extend(ms.into_iter().map(|m| (millis(m.t), i, m.kind, m.what)));
        }
        moments.sort_by_key(|m| m.0);
        let range = moments.first().zip(moments.last()).map(|(a, b)| (a.0, b.0));
        let offsets = offsets(self.zone, range);
        let zone = match self.zone {
            Zone::Utc => "UTC".to_string(),
            Zone::Local => format!(
                "local time (UTC{})",
                offset_text(offsets.first().map_or(0, |o| o.1))
            ),
        };
        let data = Data {
            title: &self.title,
            zone,
            offsets,
            processes,
            moments,
            dropped: self.dropped,
            dropped_processes: self.dropped_processes,
        };
        // JSON inside <script>: "</" could end the element, so it is written "<\/".
        let json = serde_json::to_string(&data)?.replace("</", "<\\/");
        let page = PAGE.replacen("/*KNOX_DATA*/null", &json, 1);
        self.out.write_all(page.as_bytes())?;
        self.out.flush()
    }
}

/// Milliseconds since the epoch (JavaScript's time), saturating.
fn millis(t: Time) -> u64 {
    t.sec.saturating_mul(1000).saturating_add(t.msec)
}

/// `+01:00`
fn offset_text(secs: i32) -> String {
    let (sign, s) = if secs < 0 { ('-', -secs) } else { ('+', secs) };
    format!("{sign}{:02}:{:02}", s / 3600, s / 60 % 60)
}

/// The zone's offset at the start of the range and at each change within it (found day by day,
/// then to the minute), at most [`MAX_OFFSETS`].
fn offsets(zone: Zone, range: Option<(u64, u64)>) -> Vec<(u64, i32)> {
    let Some((t0, t1)) = range else {
        return vec![(0, 0)];
    };
    if zone == Zone::Utc {
        return vec![(t0, 0)];
    }
    let at = |s: i64| -> Option<i32> {
        let utc = DateTime::from_timestamp(s, 0)?;
        Some(
            Local
                .from_utc_datetime(&utc.naive_utc())
                .offset()
                .fix()
                .local_minus_utc(),
        )
    };
    let secs = |ms: u64| i64::try_from(ms / 1000).unwrap_or(i64::MAX);
    let (s0, s1) = (secs(t0), secs(t1));
    let Some(mut current) = at(s0) else {
        return vec![(t0, 0)];
    };
    let mut v = vec![(t0, current)];
    let mut s = s0;
    while s < s1 && v.len() < MAX_OFFSETS {
        let next = (s + 86_400).min(s1);
        match at(next) {
            Some(o) if o != current => {
                // The change is within (s, next]: find its minute.
                let (mut lo, mut hi) = (s, next);
                while hi - lo > 60 {
                    let mid = lo + (hi - lo) / 2;
                    if at(mid) == Some(current) {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                v.push((hi as u64 * 1000, o));
                current = o;
            }
            Some(_) => {}
            None => break,
        }
        s = next;
    }
    v
}

impl Report for Timeline<'_> {
    fn needs(&self) -> Needs {
        Needs {
            moments: true,
            ..Needs::default()
        }
    }

    fn started(&mut self, p: &Process<Activity>) {
        if p.data.in_scope {
            self.appeared += 1;
            if self.appeared <= MAX_PROCESSES {
                self.last_kept = p.seq;
            }
        }
    }

    fn ended(&mut self, p: Process<Activity>, _: End, _: &Model<Activity>) -> io::Result<()> {
        if !shown(&p) {
            return Ok(());
        }
        if self.appeared > MAX_PROCESSES && p.seq > self.last_kept {
            self.dropped_processes += 1;
            self.dropped += p.data.moments.len() as u64;
            return Ok(());
        }
        let proc = Proc {
            id: p.id.to_string(),
            pid: p.pid,
            ppid: p.ppid,
            parent: None,
            cmd: command_text(&p),
            inherited: p.image_is_inherited(),
            start: self.clock.format(p.start),
            end: p.end.map(|t| self.clock.format(t)),
            status: p.status(),
            files: p.data.files,
            net: p.data.net,
            failed: p.data.failed,
        };
        self.done.push((p.seq, p.parent_seq, proc, p.data.moments));
        Ok(())
    }
}
