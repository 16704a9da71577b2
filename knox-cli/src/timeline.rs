//! `knox timeline --html OUT.html`: one self-contained page (no network, no external script)
//! with the process tree and, per process, a time axis of its file, network, exec and error
//! events, to zoom and filter by process and path.

use std::collections::HashMap;
use std::io::{self, Write};

use serde::Serialize;

use crate::activity::{command_text, rfc3339, Activity, Running, Sink};

#[derive(Serialize)]
struct Proc {
    pid: u32,
    ppid: Option<u32>,
    /// Index of the parent in the list, when it is there.
    parent: Option<usize>,
    cmd: String,
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
    processes: Vec<Proc>,
    /// [milliseconds, process index, kind, what]
    moments: Vec<(u64, usize, &'static str, String)>,
    dropped: u64,
    dropped_processes: u64,
}

/// Most processes on one page: the first ones of the `--pid` scope in order of appearance
/// (a browser stays responsive; use `--pid` or a selection to see others).
pub const MAX_PROCESSES: usize = 20_000;

const PAGE: &str = include_str!("timeline.html");

/// Collects the first [`MAX_PROCESSES`] processes of the `--pid` scope and their moments (which
/// the model caps at [`crate::activity::MAX_MOMENTS`]); the page is written at the end.
pub struct Timeline<'a> {
    out: &'a mut dyn Write,
    title: String,
    /// In-scope processes that appeared, and the `seq` of the last one kept.
    appeared: usize,
    last_kept: u64,
    dropped_processes: u64,
    /// (seq, parent seq, process, moments)
    done: Vec<(u64, Option<u64>, Proc, Vec<crate::activity::Moment>)>,
    /// Moments the model did not keep, set before `finish`.
    pub dropped: u64,
}

impl<'a> Timeline<'a> {
    pub fn new(out: &'a mut dyn Write, title: String) -> Timeline<'a> {
        Timeline {
            out,
            title,
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
            moments.extend(ms.into_iter().map(|m| (m.t, i, m.kind, m.what)));
        }
        moments.sort_by_key(|m| m.0);
        let data = Data {
            title: &self.title,
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

impl Sink for Timeline<'_> {
    fn started(&mut self, seq: u64, _pid: u32, _parent: Option<u64>, in_scope: bool) {
        if in_scope {
            self.appeared += 1;
            if self.appeared <= MAX_PROCESSES {
                self.last_kept = seq;
            }
        }
    }

    fn done(&mut self, a: Activity, _: &Running<'_>) -> io::Result<()> {
        if !a.in_scope {
            return Ok(());
        }
        if self.appeared > MAX_PROCESSES && a.seq > self.last_kept {
            self.dropped_processes += 1;
            self.dropped += a.moments.len() as u64;
            return Ok(());
        }
        let p = &a.process;
        let proc = Proc {
            pid: p.pid,
            ppid: p.ppid,
            parent: None,
            cmd: command_text(p),
            start: rfc3339(p.start),
            end: p.end.map(rfc3339),
            status: p.status,
            files: p.files,
            net: p.net,
            failed: p.failed,
        };
        self.done.push((a.seq, a.parent, proc, a.moments));
        Ok(())
    }
}
