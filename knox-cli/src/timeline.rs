//! `knox timeline --html OUT.html`: one self-contained page (no network, no external script)
//! with the process tree and, per process, a time axis of its file, network, exec and error
//! events, to zoom and filter by process and path.

use std::io::{self, Write};

use serde::Serialize;

use crate::activity::{command_text, Model};

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
    moments: Vec<(u64, usize, &'static str, &'a str)>,
    dropped: u64,
}

const PAGE: &str = include_str!("timeline.html");

/// Writes the page for a model built with moments.
pub fn write_html(m: &Model, title: &str, out: &mut dyn Write) -> io::Result<()> {
    let mut latest = std::collections::HashMap::new();
    let mut processes = Vec::with_capacity(m.processes.len());
    for (i, p) in m.processes.iter().enumerate() {
        let parent = p.ppid.and_then(|pp| latest.get(&pp).copied());
        latest.insert(p.pid, i);
        processes.push(Proc {
            pid: p.pid,
            ppid: p.ppid,
            parent,
            cmd: command_text(p),
            start: crate::activity::rfc3339(p.start),
            end: p.end.map(crate::activity::rfc3339),
            status: p.status,
            files: p.files,
            net: p.net,
            failed: p.failed,
        });
    }
    let data = Data {
        title,
        processes,
        moments: m
            .moments
            .iter()
            .map(|x| (x.t, x.p, x.kind, x.what.as_str()))
            .collect(),
        dropped: m.moments_dropped,
    };
    // JSON inside <script>: "</" could end the element, so it is written "<\/".
    let json = serde_json::to_string(&data)?.replace("</", "<\\/");
    let page = PAGE.replacen("/*KNOX_DATA*/null", &json, 1);
    out.write_all(page.as_bytes())
}
