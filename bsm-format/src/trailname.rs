//! Names of trail files as auditd writes them: `START.END`, `START.not_terminated` and
//! `START.crash_recovery`, with 14-digit UTC time stamps (`YYYYMMDDhhmmss`), and the same with
//! `.HOST` appended when audit_control names the host (`START.END.mac1.example.org`).

/// What the part after the dot says about a trail file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TrailEnd {
    /// Closed at this time stamp.
    Closed(u64),
    /// Still being written (or left open by a crash not yet recovered).
    NotTerminated,
    /// Left open by a crash and renamed at the next start of auditd.
    CrashRecovery,
}

/// A parsed trail file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct TrailName {
    /// Start time stamp as the number YYYYMMDDhhmmss (sorts in time order).
    pub start: u64,
    /// How the name ends: a closing time, `not_terminated` or `crash_recovery`.
    pub end: TrailEnd,
}

fn stamp(s: &str) -> Option<u64> {
    if s.len() == 14 && s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok()
    } else {
        None
    }
}

impl TrailName {
    /// Parses a file name (not a path). Returns `None` for anything that is not a trail file.
    pub fn parse(name: &str) -> Option<TrailName> {
        Self::parse_with_host(name).map(|(t, _)| t)
    }

    /// Parses a file name, with the host suffix when it has one (`START.END.HOST`; a host name
    /// may itself hold dots).
    pub fn parse_with_host(name: &str) -> Option<(TrailName, Option<&str>)> {
        let (start, rest) = name.split_once('.')?;
        let start = stamp(start)?;
        let (end, host) = match rest.split_once('.') {
            Some((end, host)) if !host.is_empty() => (end, Some(host)),
            Some(_) => return None,
            None => (rest, None),
        };
        let end = match end {
            "not_terminated" => TrailEnd::NotTerminated,
            "crash_recovery" => TrailEnd::CrashRecovery,
            e => TrailEnd::Closed(stamp(e)?),
        };
        Some((TrailName { start, end }, host))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_auditd_names_and_sorts_in_time_order() {
        let mut v: Vec<TrailName> = [
            "20231114221420.not_terminated",
            "20211014090822.20211014090900",
            "20231114221320.20231114221420",
            "20131104171720.crash_recovery",
        ]
        .iter()
        .map(|n| TrailName::parse(n).unwrap())
        .collect();
        v.sort();
        assert_eq!(v[0].end, TrailEnd::CrashRecovery);
        assert_eq!(v[1].start, 20211014090822);
        assert_eq!(v[3].end, TrailEnd::NotTerminated);
        assert_eq!(
            TrailName::parse_with_host("20231114221320.20231114221420.mac1.example.org"),
            Some((
                TrailName {
                    start: 20231114221320,
                    end: TrailEnd::Closed(20231114221420)
                },
                Some("mac1.example.org")
            ))
        );
        assert_eq!(
            TrailName::parse_with_host("20231114221320.not_terminated.mac1")
                .map(|(t, h)| (t.end, h)),
            Some((TrailEnd::NotTerminated, Some("mac1")))
        );
        for bad in [
            "current",
            "20231114221320.20231114221420.",
            "2023.x",
            "20231114221320",
            "20231114221320.abc",
            "a0231114221320.20231114221420",
        ] {
            assert_eq!(TrailName::parse(bad), None, "{bad}");
        }
    }
}
