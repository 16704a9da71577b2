//! `knox verify`: is a trail whole? An integrity and completeness report per file and per host:
//! records, bytes and time range; damaged ranges (with how many records were recovered after
//! each); `seq` token gaps and repeats; time running backwards; gaps between consecutive trail
//! files of a host; files left `.not_terminated` or `.crash_recovery`; a trailing partial record.

use std::collections::BTreeMap;
use std::io::{self, Write};

use bsm_format::trailname::{TrailEnd, TrailName};
use bsm_format::{Batch, ErrorKind, Record, RecordKind, Time, Token};

use crate::output::jsonw::Obj;
use crate::read::pipeline::{Mapper, Sink, SourceInfo};
use crate::time::Clock;

/// Time running backwards by more than this (milliseconds) is a finding.
const BACKWARDS_MS: u64 = 1000;

/// Files of a host more than this far apart (seconds) leave a gap.
const GAP_SECS: u64 = 1;

/// What a record or a framing error tells verify.
#[derive(Debug)]
pub enum Item {
    Record {
        offset: u64,
        len: u64,
        file_token: bool,
        time: Option<Time>,
        seq: Option<u32>,
        /// The first problem in the record.
        error: Option<bsm_format::Error>,
    },
    /// Bytes framing could not make records of.
    Framing(bsm_format::Error),
}

/// Reads what verify needs of each record.
#[derive(Default)]
pub struct Reader {
    out: Vec<Item>,
}

impl Mapper for Reader {
    type Part = Vec<Item>;

    fn record(&mut self, _: &SourceInfo, _: &Batch, rec: &Record<'_>) -> Option<bsm_format::Error> {
        let (mut time, mut seq, mut error) = (None, None, None);
        for t in rec.tokens() {
            match t {
                Ok(Token::Header(h)) if time.is_none() => time = Some(h.time),
                Ok(Token::File(f)) if time.is_none() => time = Some(f.time),
                Ok(Token::Seq(n)) if seq.is_none() => seq = Some(n),
                Ok(_) => {}
                Err(e) => {
                    error = Some(e);
                    break;
                }
            }
        }
        self.out.push(Item::Record {
            offset: rec.offset(),
            len: rec.len() as u64,
            file_token: rec.kind() == RecordKind::File,
            time,
            seq,
            error: error.clone(),
        });
        error
    }

    fn framing_error(&mut self, e: &bsm_format::Error) {
        self.out.push(Item::Framing(e.clone()));
    }

    fn take(&mut self) -> Vec<Item> {
        std::mem::take(&mut self.out)
    }
}

/// A damaged range of a file.
#[derive(Debug, Clone)]
pub struct Damage {
    pub offset: u64,
    pub length: u64,
    pub reason: String,
    /// Good records after it, up to the next damage or the end of the file.
    pub recovered: u64,
}

/// What verify found in one file.
#[derive(Debug, Default)]
pub struct FileReport {
    pub file: String,
    pub host: Option<String>,
    pub trail: Option<TrailName>,
    pub size: Option<u64>,
    pub records: u64,
    pub file_tokens: u64,
    pub bytes: u64,
    pub first: Option<Time>,
    pub last: Option<Time>,
    pub damage: Vec<Damage>,
    pub partial_record: bool,
    /// (offset, expected, found)
    pub seq_gaps: Vec<(u64, u32, u32)>,
    /// (offset, previous, found)
    pub seq_repeats: Vec<(u64, u32, u32)>,
    /// (offset, previous time, time)
    pub time_backwards: Vec<(u64, Time, Time)>,
    /// The trail of the host stops before this file starts: (from, to) in seconds since the epoch.
    pub gap_before: Option<(u64, u64)>,
    /// A damage whose end is not known yet (the next good record or the end of the file).
    open: Option<usize>,
}

impl FileReport {
    /// How many problems the file has.
    pub fn findings(&self) -> u64 {
        self.damage.len() as u64
            + self.seq_gaps.len() as u64
            + self.seq_repeats.len() as u64
            + self.time_backwards.len() as u64
            + self.gap_before.is_some() as u64
            + self.left_open().is_some() as u64
    }

    /// How the file was left, when auditd did not close it.
    pub fn left_open(&self) -> Option<&'static str> {
        match self.trail?.end {
            TrailEnd::NotTerminated => Some("not_terminated"),
            TrailEnd::CrashRecovery => Some("crash_recovery"),
            TrailEnd::Closed(_) => None,
        }
    }
}

/// What carries over from one file of a host to the next.
#[derive(Default)]
struct HostState {
    /// The previous file of the host bore a trail name.
    named: bool,
    last_seq: Option<u32>,
    /// Records since the last one with a seq token.
    since_seq: u64,
    last_time: Option<Time>,
    /// When the previous file of the host ended: its closing stamp, else its last record.
    last_end: Option<u64>,
    files: u64,
    records: u64,
    bytes: u64,
    first: Option<Time>,
    last: Option<Time>,
    findings: u64,
}

/// "1 file", "2 files".
fn plural(n: u64, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// Seconds since the epoch of a trail name's stamp (YYYYMMDDhhmmss, UTC).
fn stamp_secs(stamp: u64) -> Option<u64> {
    let s = format!("{stamp:014}");
    let t = chrono::NaiveDateTime::parse_from_str(&s, "%Y%m%d%H%M%S").ok()?;
    u64::try_from(t.and_utc().timestamp()).ok()
}

/// Builds the report as the records come, and writes it.
pub struct Verify<'o> {
    out: &'o mut dyn Write,
    json: bool,
    clock: Clock,
    hosts: BTreeMap<Option<String>, HostState>,
    current: Option<FileReport>,
    files: u64,
    findings: u64,
}

impl<'o> Verify<'o> {
    pub fn new(out: &'o mut dyn Write, json: bool, clock: Clock) -> Verify<'o> {
        Verify {
            out,
            json,
            clock,
            hosts: BTreeMap::new(),
            current: None,
            files: 0,
            findings: 0,
        }
    }

    /// How many problems were found.
    pub fn findings(&self) -> u64 {
        self.findings
    }

    fn close_damage(f: &mut FileReport, end: u64) {
        if let Some(i) = f.open.take() {
            let d = &mut f.damage[i];
            d.length = end.saturating_sub(d.offset).max(d.length);
        }
    }

    /// The current file is done: its open damage ends at its end, and it is written.
    fn end_file(&mut self) -> io::Result<()> {
        let Some(mut f) = self.current.take() else {
            return Ok(());
        };
        let end = f.size.unwrap_or(f.bytes);
        Self::close_damage(&mut f, end);
        let h = self.hosts.entry(f.host.clone()).or_default();
        h.files += 1;
        h.records += f.records;
        h.bytes += f.size.unwrap_or(f.bytes);
        h.first = match (h.first, f.first) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        h.last = h.last.max(f.last);
        h.last_end = match f.trail.map(|t| t.end) {
            Some(TrailEnd::Closed(end)) => stamp_secs(end),
            _ => f.last.map(|t| t.sec),
        };
        let n = f.findings();
        h.findings += n;
        self.findings += n;
        self.files += 1;
        if self.json {
            self.file_json(&f)
        } else {
            self.file_text(&f)
        }
    }

    fn time(&mut self, t: Option<Time>) -> String {
        t.map_or("-".into(), |t| self.clock.format(t))
    }

    fn secs(&mut self, s: u64) -> String {
        self.clock.format(Time::new(s, 0))
    }

    fn file_text(&mut self, f: &FileReport) -> io::Result<()> {
        let (first, last) = (self.time(f.first), self.time(f.last));
        let host = f
            .host
            .as_deref()
            .map(|h| format!("[{h}] "))
            .unwrap_or_default();
        writeln!(
            self.out,
            "{host}{}: {} records, {} bytes, {first} .. {last}",
            f.file,
            f.records,
            f.size.unwrap_or(f.bytes)
        )?;
        if let Some((from, to)) = f.gap_before {
            let (a, b) = (self.secs(from), self.secs(to));
            writeln!(
                self.out,
                "  gap: the host's trail stops at {a} and resumes at {b} with this file ({} s missing)",
                to - from
            )?;
        }
        if let Some(state) = f.left_open() {
            let why = if state == "not_terminated" {
                "still being written, or copied while auditd ran"
            } else {
                "auditd crashed while writing it"
            };
            writeln!(self.out, "  left {state}: {why}")?;
        }
        for d in &f.damage {
            writeln!(
                self.out,
                "  damaged: offset {}, {} bytes: {}; {} records recovered after it",
                d.offset, d.length, d.reason, d.recovered
            )?;
        }
        if f.partial_record {
            writeln!(self.out, "  ends inside a record (a partial last record)")?;
        }
        for &(at, expected, found) in &f.seq_gaps {
            writeln!(
                self.out,
                "  seq gap at offset {at}: expected {expected}, found {found} ({} records missing)",
                found.wrapping_sub(expected)
            )?;
        }
        for &(at, prev, found) in &f.seq_repeats {
            writeln!(
                self.out,
                "  seq repeat at offset {at}: {found} after {prev}"
            )?;
        }
        for &(at, prev, t) in &f.time_backwards {
            let (a, b) = (self.clock.format(prev), self.clock.format(t));
            writeln!(
                self.out,
                "  time runs backwards at offset {at}: {b} after {a}"
            )?;
        }
        Ok(())
    }

    fn file_json(&mut self, f: &FileReport) -> io::Result<()> {
        let (first, last) = (
            f.first.map(|t| self.clock.format(t)),
            f.last.map(|t| self.clock.format(t)),
        );
        let gap = f
            .gap_before
            .map(|(a, b)| (self.secs(a), self.secs(b), b - a));
        let backwards: Vec<(u64, String, String)> = f
            .time_backwards
            .iter()
            .map(|&(at, p, t)| (at, self.clock.format(p), self.clock.format(t)))
            .collect();
        let mut buf = Vec::new();
        let mut o = Obj::new(&mut buf);
        o.str("type", "file");
        o.opt_str("host", f.host.as_deref());
        o.str("file", &f.file);
        o.opt_str("state", f.left_open().or(f.trail.map(|_| "closed")));
        o.opt_u64("size", f.size);
        o.u64("records", f.records);
        o.u64("file_tokens", f.file_tokens);
        o.u64("bytes", f.bytes);
        o.opt_str("first", first.as_deref());
        o.opt_str("last", last.as_deref());
        crate::output::jsonw::array(o.key("damage"), &f.damage, |b, d| {
            let mut x = Obj::new(b);
            x.u64("offset", d.offset);
            x.u64("length", d.length);
            x.str("reason", &d.reason);
            x.u64("recovered", d.recovered);
            x.end();
        });
        o.bool("partial_record", f.partial_record);
        crate::output::jsonw::array(o.key("seq_gaps"), &f.seq_gaps, |b, &(at, e, found)| {
            let mut x = Obj::new(b);
            x.u64("offset", at);
            x.u64("expected", e as u64);
            x.u64("found", found as u64);
            x.end();
        });
        crate::output::jsonw::array(
            o.key("seq_repeats"),
            &f.seq_repeats,
            |b, &(at, p, found)| {
                let mut x = Obj::new(b);
                x.u64("offset", at);
                x.u64("previous", p as u64);
                x.u64("found", found as u64);
                x.end();
            },
        );
        crate::output::jsonw::array(o.key("time_backwards"), &backwards, |b, (at, p, t)| {
            let mut x = Obj::new(b);
            x.u64("offset", *at);
            x.str("previous", p);
            x.str("time", t);
            x.end();
        });
        match gap {
            Some((a, b, s)) => {
                let mut x = Obj::new(o.key("gap_before"));
                x.str("from", &a);
                x.str("to", &b);
                x.u64("seconds", s);
                x.end();
            }
            None => o.null("gap_before"),
        }
        o.u64("findings", f.findings());
        o.end();
        buf.push(b'\n');
        self.out.write_all(&buf)
    }

    /// Writes the summary of every file read (the tool writes it once the run is over, and only
    /// when something could be read).
    pub fn summary(&mut self) -> io::Result<()> {
        let hosts: Vec<(Option<String>, HostState)> =
            std::mem::take(&mut self.hosts).into_iter().collect();
        if self.json {
            let mut buf = Vec::new();
            let mut o = Obj::new(&mut buf);
            o.str("type", "summary");
            o.u64("files", self.files);
            o.u64("records", hosts.iter().map(|h| h.1.records).sum());
            o.u64("findings", self.findings);
            let list = o.key("hosts");
            list.push(b'[');
            for (i, (name, h)) in hosts.iter().enumerate() {
                if i > 0 {
                    list.push(b',');
                }
                let (first, last) = (
                    h.first.map(|t| self.clock.format(t)),
                    h.last.map(|t| self.clock.format(t)),
                );
                let mut x = Obj::new(list);
                x.opt_str("host", name.as_deref());
                x.u64("files", h.files);
                x.u64("records", h.records);
                x.u64("bytes", h.bytes);
                x.opt_str("first", first.as_deref());
                x.opt_str("last", last.as_deref());
                x.u64("findings", h.findings);
                x.end();
            }
            list.push(b']');
            o.end();
            buf.push(b'\n');
            return self.out.write_all(&buf);
        }
        writeln!(self.out)?;
        for (name, h) in &hosts {
            let (first, last) = (self.time(h.first), self.time(h.last));
            writeln!(
                self.out,
                "host {}: {}, {} records, {} bytes, {first} .. {last}, {}",
                name.as_deref().unwrap_or("(unnamed)"),
                plural(h.files, "file"),
                h.records,
                h.bytes,
                plural(h.findings, "finding")
            )?;
        }
        let files = plural(self.files, "file");
        match self.findings {
            0 => writeln!(self.out, "no problems found in {files}"),
            n => writeln!(self.out, "{} found in {files}", plural(n, "problem")),
        }
    }
}

impl Sink<Vec<Item>> for Verify<'_> {
    fn source(&mut self, src: &SourceInfo) -> io::Result<()> {
        self.end_file()?;
        let host = src.host.as_deref().map(str::to_string);
        let size = std::fs::metadata(&*src.name)
            .ok()
            .filter(|m| m.is_file())
            .map(|m| m.len());
        let mut f = FileReport {
            file: src.name.to_string(),
            host: host.clone(),
            trail: src.trail,
            size,
            ..FileReport::default()
        };
        let h = self.hosts.entry(host).or_default();
        // Sequence numbers and times carry over only between a host's trail files: files that
        // do not bear trail names are read each on its own.
        if src.trail.is_none() || !h.named {
            (h.last_seq, h.last_time, h.last_end) = (None, None, None);
            h.since_seq = 0;
        }
        h.named = src.trail.is_some();
        // A gap since the host's previous file.
        if let (Some(end), Some(start)) = (h.last_end, src.trail.and_then(|t| stamp_secs(t.start)))
        {
            if start > end + GAP_SECS {
                f.gap_before = Some((end, start));
            }
        }
        self.current = Some(f);
        Ok(())
    }

    fn apply(&mut self, items: Vec<Item>, src: &SourceInfo) -> io::Result<()> {
        let host = src.host.as_deref().map(str::to_string);
        let Some(f) = self.current.as_mut() else {
            return Ok(());
        };
        let h = self.hosts.entry(host).or_default();
        for item in items {
            match item {
                Item::Framing(e) => {
                    Self::close_damage(f, e.offset);
                    if matches!(
                        e.kind,
                        ErrorKind::RecordTruncated { .. } | ErrorKind::Truncated { .. }
                    ) {
                        f.partial_record = true;
                    }
                    let length = match e.kind {
                        ErrorKind::Garbage { skipped, .. } => skipped,
                        _ => 0,
                    };
                    f.damage.push(Damage {
                        offset: e.offset,
                        length,
                        reason: e.kind.to_string(),
                        recovered: 0,
                    });
                    f.open = Some(f.damage.len() - 1);
                }
                Item::Record {
                    offset,
                    len,
                    file_token,
                    time,
                    seq,
                    error,
                } => {
                    Self::close_damage(f, offset);
                    f.bytes += len;
                    if let Some(e) = error {
                        f.damage.push(Damage {
                            offset,
                            length: len,
                            reason: format!("{} at offset {}", e.kind, e.offset),
                            recovered: 0,
                        });
                        continue;
                    }
                    if let Some(d) = f.damage.last_mut() {
                        d.recovered += 1;
                    }
                    if file_token {
                        f.file_tokens += 1;
                        continue;
                    }
                    f.records += 1;
                    if let Some(t) = time {
                        f.first = f.first.min(Some(t)).or(Some(t));
                        f.last = f.last.max(Some(t));
                        if let Some(prev) = h.last_time {
                            if t.as_millis() + (BACKWARDS_MS as u128) < prev.as_millis() {
                                f.time_backwards.push((offset, prev, t));
                            }
                        }
                        h.last_time = Some(t);
                    }
                    match seq {
                        Some(n) => {
                            // The kernel numbers its own records; records without a seq token
                            // (submitted by programs) between two numbered ones take no
                            // number. A jump larger than the records present is lost records.
                            if let Some(prev) = h.last_seq {
                                let step = n.wrapping_sub(prev) as u64;
                                if step == 0 || step > u32::MAX as u64 / 2 {
                                    f.seq_repeats.push((offset, prev, n));
                                } else if step > 1 + h.since_seq {
                                    let expected = prev.wrapping_add(1 + h.since_seq as u32);
                                    f.seq_gaps.push((offset, expected, n));
                                }
                            }
                            h.last_seq = Some(n);
                            h.since_seq = 0;
                        }
                        None => h.since_seq += 1,
                    }
                }
            }
        }
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        self.end_file()?;
        self.out.flush()
    }
}
