//! Record selection shared by every command: auditreduce's criteria (time window, day, classes,
//! users and groups, subject pid, events, objects, zone, inversion). Unlike OpenBSM's
//! auditreduce, all four header kinds and every subject, process and return token variant count.
//!
//! `knox auditreduce` takes auditreduce's short flags; `knox praudit`, `knox commands` and
//! `knox json` take the same criteria as long options (both in `crate::cli::select`).

use std::collections::HashSet;

use crate::error::Error;
use bsm_format::tables::{parse_flags, AuMask, ClassTable, EventTable};
use bsm_format::{Record, Token};
use chrono::TimeZone;
use regex::bytes::Regex;

/// The criteria as given on the command line (before names and dates are resolved); the
/// command line's two flag styles make it (`crate::cli::select`).
#[derive(Debug, Clone, Default)]
pub struct Spec {
    pub after: Option<String>,
    pub before: Option<String>,
    pub day: Option<String>,
    pub classes: Option<String>,
    pub euid: Option<String>,
    pub egid: Option<String>,
    pub rgid: Option<String>,
    pub ruid: Option<String>,
    pub auid: Option<String>,
    pub pid: Option<u32>,
    pub events: Vec<String>,
    pub objects: Vec<String>,
    pub zone: Option<String>,
    pub invert: bool,
}

/// One `-o` criterion.
#[derive(Debug, Clone)]
enum Object {
    /// Paths matching any `include` regex and no `exclude` (`~`) regex. `quick` is the
    /// include patterns joined, when none is anchored: a record whose bytes it does not match
    /// anywhere cannot have a matching path, so its tokens need not be decoded.
    File {
        include: Vec<Regex>,
        exclude: Vec<Regex>,
        quick: Option<Regex>,
    },
    /// A process token (or subject) with this pid.
    Pid(u32),
    /// An IPC token of this type with this id.
    Ipc(u8, u32),
    /// A socket with this port, address or UNIX path.
    Sock(String),
}

/// A resolved selection.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    after: Option<u64>,
    before: Option<u64>,
    classes: Option<(AuMask, Vec<u32>)>,
    euid: Option<u32>,
    egid: Option<u32>,
    rgid: Option<u32>,
    ruid: Option<u32>,
    auid: Option<u32>,
    pid: Option<u32>,
    events: Option<HashSet<u16>>,
    objects: Vec<Object>,
    zone: Option<Vec<u8>>,
    invert: bool,
    /// Whether any criterion needs more than the header.
    needs_tokens: bool,
    /// Whether the classes are the only criterion that may need the tokens.
    only_classes: bool,
    empty: bool,
}

/// Resolves user and group names for the filter.
pub trait IdNames {
    fn uid(&self, name: &str) -> Option<u32>;
    fn gid(&self, name: &str) -> Option<u32>;
}

/// The forms a date takes in selections.
pub const DATE_FORMS: &str =
    "yyyymmdd[hh[mm[ss]]], or RFC 3339: 2023-11-14, 2023-11-14T22:13:20, 2023-11-14T22:13:20Z, \
     2023-11-14T22:13:20.123+01:00";

/// Parses a date in auditreduce's `yyyymmdd[hh[mm[ss]]]` or in RFC 3339 (as knox prints times,
/// so that they can be pasted back; a date alone or a time without offset is taken in the local
/// zone, TZ honoured, or in UTC). Returns the second it names and the start of the next day.
pub fn parse_date(s: &str, utc: bool) -> Result<(i64, i64), Error> {
    use chrono::{DateTime, NaiveDate, NaiveDateTime};
    let bad = || Error::usage(format!("bad date {s:?}: expected {DATE_FORMS}"));
    let secs = |dt: NaiveDateTime| -> Result<i64, Error> {
        if utc {
            Ok(chrono::Utc.from_utc_datetime(&dt).timestamp())
        } else {
            chrono::Local
                .from_local_datetime(&dt)
                .earliest()
                .map(|t| t.timestamp())
                .ok_or_else(bad)
        }
    };
    let next_midnight = |d: NaiveDate| {
        d.succ_opt()
            .and_then(|n| n.and_hms_opt(0, 0, 0))
            .ok_or_else(bad)
    };
    if s.contains('-') {
        // RFC 3339 with an offset: the instant it names.
        if let Ok(t) = DateTime::parse_from_rfc3339(&s.replace(' ', "T")) {
            let next = next_midnight(t.date_naive())?;
            let next = next
                .and_local_timezone(*t.offset())
                .earliest()
                .ok_or_else(bad)?;
            return Ok((t.timestamp(), next.timestamp()));
        }
        let naive = [
            "%Y-%m-%dT%H:%M:%S%.f",
            "%Y-%m-%d %H:%M:%S%.f",
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%d %H:%M",
        ]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        .or_else(|| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        })
        .ok_or_else(bad)?;
        return Ok((secs(naive)?, secs(next_midnight(naive.date())?)?));
    }
    if !(8..=14).contains(&s.len())
        || !s.len().is_multiple_of(2)
        || !s.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    let n = |a: usize, b: usize| {
        s.get(a..b)
            .map_or(Ok(0), |x| x.parse::<u32>().map_err(|_| bad()))
    };
    let (y, mo, d, h, mi, se) = (
        n(0, 4)? as i32,
        n(4, 6)?,
        n(6, 8)?,
        n(8, 10)?,
        n(10, 12)?,
        n(12, 14)?,
    );
    let naive = NaiveDate::from_ymd_opt(y, mo, d)
        .and_then(|d| d.and_hms_opt(h, mi, se))
        .ok_or_else(bad)?;
    Ok((secs(naive)?, secs(next_midnight(naive.date())?)?))
}

fn id_of(v: &str, by_name: impl Fn(&str) -> Option<u32>) -> Result<u32, Error> {
    v.parse::<u32>()
        .ok()
        .or_else(|| by_name(v))
        .ok_or_else(|| Error::usage(format!("unknown user or group {v:?}")))
}

impl Filter {
    /// Resolves a spec against the event and class tables and the name source.
    pub fn new(
        spec: &Spec,
        events: &EventTable,
        classes: &ClassTable,
        names: &dyn IdNames,
        utc: bool,
    ) -> Result<Filter, Error> {
        let mut f = Filter {
            invert: spec.invert,
            ..Filter::default()
        };
        let nonneg = |t: i64| t.max(0) as u64;
        if let Some(a) = &spec.after {
            f.after = Some(nonneg(parse_date(a, utc)?.0));
        }
        if let Some(b) = &spec.before {
            // auditreduce's -b includes the second it names (-a does too).
            f.before = Some(nonneg(parse_date(b, utc)?.0) + 1);
        }
        if let Some(d) = &spec.day {
            let (start, end) = parse_date(d, utc)?;
            f.after = Some(f.after.unwrap_or(0).max(nonneg(start)));
            f.before = Some(f.before.map_or(nonneg(end), |b| b.min(nonneg(end))));
        }
        if let Some(c) = &spec.classes {
            let mask = parse_flags(c, classes).map_err(Error::Usage)?;
            let mut by_event = vec![0u32; 1 << 16];
            for e in events.iter() {
                by_event[e.number as usize] = classes.mask_of(&e.classes);
            }
            f.classes = Some((mask, by_event));
        }
        f.euid = spec
            .euid
            .as_deref()
            .map(|v| id_of(v, |n| names.uid(n)))
            .transpose()?;
        f.ruid = spec
            .ruid
            .as_deref()
            .map(|v| id_of(v, |n| names.uid(n)))
            .transpose()?;
        f.auid = spec
            .auid
            .as_deref()
            .map(|v| id_of(v, |n| names.uid(n)))
            .transpose()?;
        f.egid = spec
            .egid
            .as_deref()
            .map(|v| id_of(v, |n| names.gid(n)))
            .transpose()?;
        f.rgid = spec
            .rgid
            .as_deref()
            .map(|v| id_of(v, |n| names.gid(n)))
            .transpose()?;
        f.pid = spec.pid;
        if !spec.events.is_empty() {
            let mut set = HashSet::new();
            for e in spec.events.iter().flat_map(|e| e.split(',')).map(str::trim) {
                let n = knox_read::tables::event_number(events, e).map_err(Error::Usage)?;
                set.insert(n);
            }
            f.events = Some(set);
        }
        for o in &spec.objects {
            f.objects.push(parse_object(o)?);
        }
        f.zone = spec.zone.as_ref().map(|z| z.as_bytes().to_vec());
        f.needs_tokens = f.classes.is_some()
            || f.euid.is_some()
            || f.egid.is_some()
            || f.rgid.is_some()
            || f.ruid.is_some()
            || f.auid.is_some()
            || f.pid.is_some()
            || !f.objects.is_empty()
            || f.zone.is_some();
        f.only_classes = f.classes.is_some()
            && f.euid.is_none()
            && f.egid.is_none()
            && f.rgid.is_none()
            && f.ruid.is_none()
            && f.auid.is_none()
            && f.pid.is_none()
            && f.objects.is_empty()
            && f.zone.is_none();
        f.empty = !f.needs_tokens && f.after.is_none() && f.before.is_none() && f.events.is_none();
        Ok(f)
    }

    /// Whether the filter selects every record (nothing to check).
    pub fn selects_all(&self) -> bool {
        self.empty && !self.invert
    }

    /// Whether a record is selected. File tokens between records are never selected by a
    /// criterion (they have no header), but pass when there are no criteria.
    pub fn matches(&self, rec: &Record<'_>) -> bool {
        if self.empty {
            return !self.invert;
        }
        self.check(rec) != self.invert
    }

    fn check(&self, rec: &Record<'_>) -> bool {
        let Ok(Some(h)) = rec.header() else {
            return false;
        };
        if self.after.is_some_and(|a| h.time.sec < a)
            || self.before.is_some_and(|b| h.time.sec >= b)
        {
            return false;
        }
        if self
            .events
            .as_ref()
            .is_some_and(|s| !s.contains(&h.event.0))
        {
            return false;
        }
        if !self.needs_tokens {
            return true;
        }
        // Classes alone: when the event's classes are selected (or not) on success and failure
        // alike, the outcome does not matter and the tokens need not be read.
        let mut class_decided = false;
        if let Some((mask, by_event)) = &self.classes {
            let c = by_event[h.event.0 as usize];
            let (on_success, on_failure) = (c & mask.success != 0, c & mask.failure != 0);
            if on_success == on_failure {
                if !on_success {
                    return false;
                }
                class_decided = true;
                if self.only_classes {
                    return true;
                }
            }
        }
        // A file pattern that matches nowhere in the record's bytes matches no path in it.
        let quick_reject = self.objects.iter().any(|o| match o {
            Object::File { quick: Some(q), .. } => !q.is_match(rec.bytes()),
            _ => false,
        });
        if quick_reject {
            return false;
        }
        let mut failed = false;
        // Each id criterion holds when some subject or process token (any variant) carries the
        // id; the subject pid (-j) only from subject tokens.
        let mut ids_ok = [
            self.euid.is_none(),
            self.egid.is_none(),
            self.rgid.is_none(),
            self.ruid.is_none(),
            self.auid.is_none(),
            self.pid.is_none(),
        ];
        let mut objects = vec![false; self.objects.len()];
        let mut zone_ok = self.zone.is_none();
        for t in rec.tokens() {
            let Ok(t) = t else { break };
            match &t {
                Token::Subject(s) | Token::Process(s) => {
                    let subject = matches!(t, Token::Subject(_));
                    for (ok, (want, have)) in ids_ok.iter_mut().zip([
                        (self.euid, s.euid),
                        (self.egid, s.egid),
                        (self.rgid, s.rgid),
                        (self.ruid, s.ruid),
                        (self.auid, s.auid),
                        (self.pid.filter(|_| subject), s.pid),
                    ]) {
                        *ok |= want == Some(have);
                    }
                }
                Token::Return(r) => failed |= !r.errno.is_success(),
                Token::Zonename(z) => zone_ok |= self.zone.as_deref() == Some(z.bytes()),
                _ => {}
            }
            for (o, hit) in self.objects.iter().zip(objects.iter_mut()) {
                *hit |= object_matches(o, &t);
            }
        }
        if let Some((mask, by_event)) = &self.classes {
            if !class_decided && !mask.selects(by_event[h.event.0 as usize], failed) {
                return false;
            }
        }
        ids_ok.iter().all(|&x| x)
            && zone_ok
            && objects.iter().all(|&x| x)
            && self.file_excludes_ok(rec)
    }

    /// `file=~REGEX` excludes records with a matching path even when another path matched.
    fn file_excludes_ok(&self, rec: &Record<'_>) -> bool {
        let excludes: Vec<&Regex> = self
            .objects
            .iter()
            .flat_map(|o| match o {
                Object::File { exclude, .. } => exclude.iter().collect(),
                _ => Vec::new(),
            })
            .collect();
        if excludes.is_empty() {
            return true;
        }
        !rec.tokens().filter_map(Result::ok).any(|t| match t {
            Token::Path(p) => excludes.iter().any(|r| r.is_match(p.bytes())),
            _ => false,
        })
    }
}

fn object_matches(o: &Object, t: &Token<'_>) -> bool {
    match (o, t) {
        (
            Object::File {
                include, exclude, ..
            },
            Token::Path(p),
        ) => {
            let p = p.bytes();
            (include.is_empty() || include.iter().any(|r| r.is_match(p)))
                && !exclude.iter().any(|r| r.is_match(p))
        }
        (Object::Pid(pid), Token::Process(s)) => s.pid == *pid,
        (Object::Ipc(kind, id), Token::Ipc(i)) => i.kind == *kind && i.id == *id,
        (Object::Sock(want), Token::SockInet(s)) => {
            let port = bsm_format::token::port_be(s.port).to_string();
            *want == port || *want == s.addr.to_string() || *want == format!("{}:{port}", s.addr)
        }
        (Object::Sock(want), Token::SocketEx(s)) => {
            [s.local_port, s.remote_port]
                .iter()
                .any(|p| *want == bsm_format::token::port_be(*p).to_string())
                || *want == s.local_addr.to_string()
                || *want == s.remote_addr.to_string()
        }
        (Object::Sock(want), Token::SockUnix(s)) => want.as_bytes() == s.path,
        _ => false,
    }
}

fn parse_object(o: &str) -> Result<Object, Error> {
    let (kind, value) = o
        .split_once('=')
        .ok_or_else(|| Error::usage(format!("bad object {o:?}: expected NAME=VALUE")))?;
    let num = |v: &str| {
        v.parse::<u32>()
            .map_err(|_| Error::usage(format!("bad number in {o:?}")))
    };
    Ok(match kind {
        "file" => {
            let (mut include, mut exclude) = (Vec::new(), Vec::new());
            for pat in value.split(',').filter(|p| !p.is_empty()) {
                let (neg, pat) = match pat.strip_prefix('~') {
                    Some(p) => (true, p),
                    None => (false, pat),
                };
                let re = Regex::new(pat)
                    .map_err(|e| Error::usage(format!("bad file pattern {pat:?}: {e}")))?;
                if neg {
                    exclude.push(re)
                } else {
                    include.push(re)
                }
            }
            let unanchored = value
                .split(',')
                .all(|p| !p.starts_with('~') && !p.contains(['^', '$', '\\']));
            let quick = if unanchored && !include.is_empty() {
                let joined: Vec<&str> = value.split(',').filter(|p| !p.is_empty()).collect();
                Regex::new(&joined.join("|")).ok()
            } else {
                None
            };
            Object::File {
                include,
                exclude,
                quick,
            }
        }
        "pid" => Object::Pid(num(value)?),
        "msgqid" => Object::Ipc(bsm_format::token::Ipc::MSG, num(value)?),
        "semid" => Object::Ipc(bsm_format::token::Ipc::SEM, num(value)?),
        "shmid" => Object::Ipc(bsm_format::token::Ipc::SHM, num(value)?),
        "sock" => Object::Sock(value.to_string()),
        _ => {
            return Err(Error::usage(format!(
                "unknown object type {kind:?}: use file, pid, msgqid, semid, shmid or sock"
            )))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_as_auditreduce_takes_them() {
        assert_eq!(parse_date("20231114221330", true).unwrap().0, 1_700_000_010);
        assert_eq!(
            parse_date("20231114", true).unwrap(),
            (1_699_920_000, 1_700_006_400)
        );
        assert!(parse_date("2023111", true).is_err());
        // RFC 3339, as knox prints times: pasted back, they name the same second.
        for (text, want) in [
            ("2023-11-14T22:13:30Z", 1_700_000_010),
            ("2023-11-14T22:13:30.123Z", 1_700_000_010),
            ("2023-11-14T23:13:30+01:00", 1_700_000_010),
            ("2023-11-14T22:13:30.123+00:00", 1_700_000_010),
            ("2023-11-14T22:13:30", 1_700_000_010),
            ("2023-11-14 22:13:30", 1_700_000_010),
            ("2023-11-14T22:13", 1_699_999_980),
        ] {
            assert_eq!(parse_date(text, true).unwrap().0, want, "{text}");
        }
        assert_eq!(
            parse_date("2023-11-14", true).unwrap(),
            parse_date("20231114", true).unwrap()
        );
        assert_eq!(
            parse_date("2023-11-14T23:30:00+01:00", true).unwrap().1,
            parse_date("20231115", true).unwrap().0 - 3600
        );
        assert!(parse_date("2023-13-14", true).is_err());
        assert!(parse_date("2023-11-14T25:00Z", true).is_err());
        assert!(parse_date("20231341", true).is_err());
    }

    #[test]
    fn objects_parse() {
        assert!(
            matches!(parse_object("file=/etc/.*,~/etc/shadow").unwrap(), Object::File { include, exclude, quick: None } if include.len() == 1 && exclude.len() == 1)
        );
        assert!(matches!(parse_object("pid=42").unwrap(), Object::Pid(42)));
        assert!(parse_object("colour=blue").is_err());
        assert!(parse_object("file=(").is_err());
    }
}
