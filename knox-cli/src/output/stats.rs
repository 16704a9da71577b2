//! `knox stats`: what a trail holds and whether it is healthy.

use std::collections::BTreeMap;
use std::io::{self, Write};

use bsm_format::tables::EventTable;
use bsm_format::{Batch, Record, RecordKind, Time, TokenId};
use serde::Serialize;

use crate::read::pipeline::{Mapper, Sink, SourceInfo};
use crate::read::report::Problem;
use crate::time::Clock;

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

/// What one batch adds to the statistics.
#[derive(Debug)]
pub struct Counts {
    bytes: u64,
    records: u64,
    file_tokens: u64,
    kinds: [u64; 4],
    by_id: Vec<u64>,
    /// (event, records) of the events seen.
    events: Vec<(u16, u64)>,
    failures: u64,
    range: Option<(Time, Time)>,
}

impl Default for Counts {
    fn default() -> Counts {
        Counts {
            bytes: 0,
            records: 0,
            file_tokens: 0,
            kinds: [0; 4],
            by_id: vec![0; 256],
            events: Vec::new(),
            failures: 0,
            range: None,
        }
    }
}

/// Counts the selected records of each batch.
pub struct Counter<'s> {
    counts: Counts,
    /// Records by event number (no hashing on the hot path), and the numbers seen.
    events: Vec<u64>,
    touched: Vec<u16>,
    filter: &'s crate::read::filter::Filter,
}

impl<'s> Counter<'s> {
    pub fn new(filter: &'s crate::read::filter::Filter) -> Counter<'s> {
        Counter {
            counts: Counts::default(),
            events: vec![0; 1 << 16],
            touched: Vec::new(),
            filter,
        }
    }
}

impl Mapper for Counter<'_> {
    type Part = Counts;

    fn record(&mut self, _: &SourceInfo, _: &Batch, rec: &Record<'_>) -> Option<bsm_format::Error> {
        if !self.filter.selects_all() && !self.filter.matches(rec) {
            return rec.tokens().find_map(Result::err);
        }
        let c = &mut self.counts;
        c.bytes += rec.len() as u64;
        match rec.kind() {
            RecordKind::File => c.file_tokens += 1,
            RecordKind::Header(h) => {
                c.records += 1;
                c.kinds[h as usize] += 1;
            }
        }
        if let Ok(Some(h)) = rec.header() {
            let n = &mut self.events[h.event.0 as usize];
            if *n == 0 {
                self.touched.push(h.event.0);
            }
            *n += 1;
            let (lo, hi) = c.range.get_or_insert((h.time, h.time));
            *lo = (*lo).min(h.time);
            *hi = (*hi).max(h.time);
        }
        let mut failed = false;
        let e = rec.scan(|id, bytes| {
            c.by_id[id.0 as usize] += 1;
            // A return token's errno is the byte after its id.
            failed |= matches!(id, TokenId::RETURN32 | TokenId::RETURN64) && bytes[1] != 0;
        });
        c.failures += failed as u64;
        e
    }

    fn take(&mut self) -> Counts {
        let mut c = std::mem::take(&mut self.counts);
        c.events = self
            .touched
            .drain(..)
            .map(|e| (e, std::mem::take(&mut self.events[e as usize])))
            .collect();
        c
    }
}

impl Sink<Counts> for Stats {
    fn source(&mut self, src: &SourceInfo) -> std::io::Result<()> {
        self.files.push(src.name.to_string());
        Ok(())
    }

    fn apply(&mut self, c: Counts, _: &SourceInfo) -> std::io::Result<()> {
        if self.by_id.is_empty() {
            self.by_id = vec![0; 256];
            self.event_counts = vec![0; 1 << 16];
        }
        self.bytes += c.bytes;
        self.records += c.records;
        self.file_tokens += c.file_tokens;
        for (a, b) in self.kinds.iter_mut().zip(c.kinds) {
            *a += b;
        }
        for (a, b) in self.by_id.iter_mut().zip(&c.by_id) {
            *a += b;
        }
        for (e, n) in c.events {
            self.event_counts[e as usize] += n;
        }
        self.failures += c.failures;
        if let Some((lo, hi)) = c.range {
            let r = self.range.get_or_insert((lo, hi));
            r.0 = r.0.min(lo);
            r.1 = r.1.max(hi);
        }
        Ok(())
    }

    fn problem(&mut self, p: &Problem) {
        self.error_count += 1;
        if self.errors.len() < MAX_LISTED_ERRORS {
            self.errors.push(p.clone());
        }
    }
}

impl Stats {
    /// Names the counts once everything is read.
    pub fn finish(&mut self, events: &EventTable, clock: &mut Clock) {
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
            self.first_time = Some(clock.format(lo));
            self.last_time = Some(clock.format(hi));
        }
    }
}

/// Writes the statistics as text.
pub fn write_text(st: &Stats, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "files:       {}", st.files.len())?;
    writeln!(out, "bytes:       {} in records", st.bytes)?;
    let headers: Vec<String> = st.headers.iter().map(|(k, v)| format!("{k} {v}")).collect();
    if headers.is_empty() {
        writeln!(out, "records:     {}", st.records)?;
    } else {
        writeln!(out, "records:     {} ({})", st.records, headers.join(", "))?;
    }
    writeln!(out, "file tokens: {}", st.file_tokens)?;
    if let (Some(a), Some(b)) = (&st.first_time, &st.last_time) {
        writeln!(out, "time:        {a} .. {b}")?;
    }
    writeln!(
        out,
        "failures:    {} records with a failed return",
        st.failures
    )?;
    writeln!(out, "errors:      {} (reported on stderr)", st.error_count)?;
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
