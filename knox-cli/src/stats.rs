//! `knox stats`: what a trail holds and whether it is healthy.

use std::collections::BTreeMap;
use std::io::{self, Write};

use bsm_format::tables::EventTable;
use bsm_format::{RecordKind, RecordReader, Time, Token};
use serde::Serialize;

use crate::input::Source;
use crate::report::{Problem, Problems};

/// Most decode errors listed one by one (all are counted).
const MAX_LISTED_ERRORS: usize = 1000;

#[derive(Debug, Default, Serialize)]
pub struct Stats {
    pub files: Vec<String>,
    pub bytes: u64,
    pub records: u64,
    pub file_tokens: u64,
    pub headers: BTreeMap<&'static str, u64>,
    pub tokens: BTreeMap<String, u64>,
    pub first_time: Option<String>,
    pub last_time: Option<String>,
    pub events: Vec<EventCount>,
    pub failures: u64,
    pub error_count: u64,
    pub errors: Vec<Problem>,
    /// Records counted by event number (65536 slots: no hashing on the hot path).
    #[serde(skip)]
    event_counts: Vec<u64>,
    /// Records counted by header kind.
    #[serde(skip)]
    kinds: [u64; 4],
    /// Tokens counted by id (names are looked up once at the end).
    #[serde(skip)]
    by_id: Vec<u64>,
    #[serde(skip)]
    range: Option<(Time, Time)>,
}

#[derive(Debug, Serialize)]
pub struct EventCount {
    pub number: u16,
    pub name: Option<String>,
    pub count: u64,
}

impl Stats {
    fn add_record(&mut self, rec: bsm_format::Record<'_>, file: &str) {
        self.bytes += rec.len() as u64;
        let kind = rec.kind();
        match kind {
            RecordKind::File => self.file_tokens += 1,
            RecordKind::Header(h) => {
                self.records += 1;
                self.kinds[h as usize] += 1;
            }
        }
        for t in rec.tokens() {
            match t {
                Ok(t) => {
                    self.by_id[t.id().0 as usize] += 1;
                    match t {
                        Token::Header(h) => {
                            self.event_counts[h.event.0 as usize] += 1;
                            let (lo, hi) = self.range.get_or_insert((h.time, h.time));
                            *lo = (*lo).min(h.time);
                            *hi = (*hi).max(h.time);
                        }
                        Token::Return(r) if !r.errno.is_success() => self.failures += 1,
                        _ => {}
                    }
                }
                Err(e) => self.error(file, e),
            }
        }
    }

    fn error(&mut self, file: &str, e: bsm_format::Error) {
        self.error_count += 1;
        if self.errors.len() < MAX_LISTED_ERRORS {
            self.errors.push(Problem::new(file, &e));
        }
    }

    fn finish(&mut self, events: &EventTable) {
        for (id, &n) in self.by_id.iter().enumerate().filter(|(_, &n)| n > 0) {
            self.tokens
                .insert(bsm_format::TokenId(id as u8).display_name().into_owned(), n);
        }
        use bsm_format::token::HeaderKind::*;
        for k in [Header32, Header32Ex, Header64, Header64Ex] {
            if self.kinds[k as usize] > 0 {
                self.headers
                    .insert(k.id().name().unwrap_or("header"), self.kinds[k as usize]);
            }
        }
        self.events = self
            .event_counts
            .iter()
            .enumerate()
            .filter(|(_, &count)| count > 0)
            .map(|(number, &count)| EventCount {
                number: number as u16,
                name: events.get(number as u16).map(|e| e.name.clone()),
                count,
            })
            .collect();
        self.events
            .sort_by(|a, b| b.count.cmp(&a.count).then(a.number.cmp(&b.number)));
        if let Some((lo, hi)) = self.range {
            self.first_time = Some(rfc3339(lo));
            self.last_time = Some(rfc3339(hi));
        }
    }
}

fn rfc3339(t: Time) -> String {
    t.to_utc()
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_else(|| format!("{}.{:03}", t.sec, t.msec))
}

/// Reads every source and gathers the statistics. Unreadable sources are reported in `problems`.
pub fn collect(sources: &[Source], events: &EventTable, problems: &mut Problems) -> Stats {
    let mut st = Stats {
        by_id: vec![0; 256],
        event_counts: vec![0; 1 << 16],
        ..Stats::default()
    };
    for src in sources {
        let name = src.name();
        let reader = match src.open() {
            Ok(r) => r,
            Err(e) => {
                problems.unreadable(&name, &e);
                continue;
            }
        };
        st.files.push(name.clone());
        let mut rr = RecordReader::new(reader);
        while let Some(r) = rr.next_record() {
            match r {
                Ok(rec) => st.add_record(rec, &name),
                Err(e) => st.error(&name, e),
            }
        }
    }
    st.finish(events);
    problems.decode_errors += st.error_count;
    st
}

/// Writes the statistics as text.
pub fn write_text(st: &Stats, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "files:       {}", st.files.len())?;
    writeln!(out, "bytes:       {} in records", st.bytes)?;
    let headers: Vec<String> = st.headers.iter().map(|(k, v)| format!("{k} {v}")).collect();
    writeln!(out, "records:     {} ({})", st.records, headers.join(", "))?;
    writeln!(out, "file tokens: {}", st.file_tokens)?;
    if let (Some(a), Some(b)) = (&st.first_time, &st.last_time) {
        writeln!(out, "time:        {a} .. {b}")?;
    }
    writeln!(
        out,
        "failures:    {} records with a failed return",
        st.failures
    )?;
    writeln!(out, "errors:      {}", st.error_count)?;
    for p in &st.errors {
        writeln!(out, "  {p}")?;
    }
    if st.error_count > st.errors.len() as u64 {
        writeln!(
            out,
            "  ... and {} more",
            st.error_count - st.errors.len() as u64
        )?;
    }
    writeln!(out, "tokens:")?;
    let mut toks: Vec<_> = st.tokens.iter().collect();
    toks.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    for (k, v) in toks {
        writeln!(out, "  {k:<16} {v:>10}")?;
    }
    writeln!(out, "events:")?;
    for e in &st.events {
        writeln!(
            out,
            "  {:>5} {:<24} {:>10}",
            e.number,
            e.name.as_deref().unwrap_or("?"),
            e.count
        )?;
    }
    Ok(())
}
