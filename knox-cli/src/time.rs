//! Writing times: one place for the rule every tool follows.
//!
//! * Text output: RFC 3339 with milliseconds in the chosen zone: the local zone (`TZ`), or UTC
//!   under `--utc`, which prints exactly what `TZ=UTC` prints (`+00:00`).
//! * JSON output: RFC 3339 UTC with `Z`, whatever `TZ` says, unless `--json-zone` asks for the
//!   text zone.
//!
//! A trail time that no calendar can show (a forged year 300,000,000) is written as the
//! seconds and milliseconds it holds.

use bsm_format::Time;
use chrono::{DateTime, Local, SecondsFormat, TimeZone, Utc};

/// The zone of text output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zone {
    /// This machine's local zone, as `TZ` sets it.
    Local,
    /// UTC (`--utc`).
    Utc,
}

/// How one output writes times: its zone and its form. Keeps the text of the last second,
/// since records come many to a second.
#[derive(Debug, Clone)]
pub struct Clock {
    zone: Zone,
    /// `Z` instead of `+00:00` (JSON in UTC).
    zulu: bool,
    /// (second, "YYYY-MM-DDThh:mm:ss", "+hh:mm" or "Z")
    last: Option<(u64, String, String)>,
}

impl Clock {
    /// Times for text output in `zone`.
    pub fn text(zone: Zone) -> Clock {
        Clock {
            zone,
            zulu: false,
            last: None,
        }
    }

    /// Times for JSON output: UTC with `Z`, or the text zone when `follow_zone`.
    pub fn json(zone: Zone, follow_zone: bool) -> Clock {
        if follow_zone {
            Clock::text(zone)
        } else {
            Clock {
                zone: Zone::Utc,
                zulu: true,
                last: None,
            }
        }
    }

    /// Appends a time.
    pub fn write(&mut self, out: &mut Vec<u8>, t: Time) {
        if t.msec >= 1000 {
            // Milliseconds as written past 999 (forged): let chrono carry them into seconds.
            out.extend_from_slice(self.slow(t).as_bytes());
            return;
        }
        let hit = matches!(&self.last, Some((s, ..)) if *s == t.sec);
        if !hit {
            self.last = self.second(t.sec);
        }
        match &self.last {
            Some((_, day_time, offset)) => {
                out.extend_from_slice(day_time.as_bytes());
                out.push(b'.');
                let ms = t.msec as u16;
                out.extend_from_slice(&[
                    b'0' + (ms / 100) as u8,
                    b'0' + (ms / 10 % 10) as u8,
                    b'0' + (ms % 10) as u8,
                ]);
                out.extend_from_slice(offset.as_bytes());
            }
            None => out.extend_from_slice(raw(t).as_bytes()),
        }
    }

    /// A time as a string.
    pub fn format(&mut self, t: Time) -> String {
        let mut v = Vec::with_capacity(32);
        self.write(&mut v, t);
        String::from_utf8(v).unwrap_or_default()
    }

    fn second(&self, sec: u64) -> Option<(u64, String, String)> {
        let utc = DateTime::from_timestamp(i64::try_from(sec).ok()?, 0)?;
        // Written digit by digit: chrono's strftime would parse its format string each time,
        // and the reports meet a new second on nearly every row.
        Some(match self.zone {
            Zone::Utc => (
                sec,
                day_time(&utc.naive_utc()),
                if self.zulu { "Z" } else { "+00:00" }.to_string(),
            ),
            Zone::Local => {
                let local = Local.from_utc_datetime(&utc.naive_utc());
                let offset = local.offset().local_minus_utc();
                (sec, day_time(&local.naive_local()), utc_offset(offset))
            }
        })
    }

    fn render(&self, utc: DateTime<Utc>, secs: SecondsFormat) -> String {
        match self.zone {
            Zone::Utc => utc.to_rfc3339_opts(secs, self.zulu),
            Zone::Local => Local
                .from_utc_datetime(&utc.naive_utc())
                .to_rfc3339_opts(secs, false),
        }
    }

    fn slow(&self, t: Time) -> String {
        t.to_utc()
            .map(|d| self.render(d, SecondsFormat::Millis))
            .unwrap_or_else(|| raw(t))
    }
}

/// `YYYY-MM-DDThh:mm:ss` (years past 9999 as chrono writes them, `+10000`).
fn day_time(t: &chrono::NaiveDateTime) -> String {
    use chrono::{Datelike, Timelike};
    let Some(year) = u32::try_from(t.year()).ok().filter(|&y| y <= 9999) else {
        return t.format("%Y-%m-%dT%H:%M:%S").to_string();
    };
    let mut s = String::with_capacity(19);
    for (n, sep) in [
        (year / 100, ""),
        (year % 100, "-"),
        (t.month(), "-"),
        (t.day(), "T"),
        (t.hour(), ":"),
        (t.minute(), ":"),
        (t.second(), ""),
    ] {
        s.push(char::from(b'0' + (n / 10) as u8));
        s.push(char::from(b'0' + (n % 10) as u8));
        s.push_str(sep);
    }
    s
}

/// `+hh:mm` or `-hh:mm` for an offset from UTC in seconds (rounded to the minute, as chrono's
/// `%:z` does for the zones of old dates with offsets such as +00:09:21).
fn utc_offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let m = (seconds.unsigned_abs() + 30) / 60;
    format!("{sign}{:02}:{:02}", m / 60, m % 60)
}

/// A time no calendar can show: its seconds and milliseconds.
fn raw(t: Time) -> String {
    format!("{}.{:03}", t.sec, t.msec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_json_forms() {
        let t = Time::new(1_700_000_000, 7);
        assert_eq!(
            Clock::text(Zone::Utc).format(t),
            "2023-11-14T22:13:20.007+00:00"
        );
        assert_eq!(
            Clock::json(Zone::Local, false).format(t),
            "2023-11-14T22:13:20.007Z"
        );
        assert_eq!(
            Clock::json(Zone::Utc, true).format(t),
            "2023-11-14T22:13:20.007+00:00"
        );
        // Cached second, another millisecond.
        let mut c = Clock::json(Zone::Utc, false);
        c.format(t);
        assert_eq!(
            c.format(Time::new(1_700_000_000, 999)),
            "2023-11-14T22:13:20.999Z"
        );
        // Milliseconds past 999 carry over; a year no calendar shows is written raw.
        assert_eq!(
            c.format(Time::new(1_700_000_000, 1500)),
            "2023-11-14T22:13:21.500Z"
        );
        assert_eq!(c.format(Time::new(u64::MAX, 1)), "18446744073709551615.001");
    }

    #[test]
    fn dates_are_written_as_chrono_writes_them() {
        // Seconds spread over years 1970 to beyond 9999, and the edges of days and years.
        let mut secs: Vec<i64> = (0..2000).map(|i| i * 123_456_789 + i * i * 7).collect();
        secs.extend([
            0,
            59,
            86_399,
            86_400,
            951_782_400,
            253_402_300_799,
            253_402_300_800,
        ]);
        for s in secs {
            let Some(d) = DateTime::from_timestamp(s, 0) else {
                continue;
            };
            let want = d.format("%Y-%m-%dT%H:%M:%S").to_string();
            assert_eq!(day_time(&d.naive_utc()), want, "{s}");
        }
        for off in (-86_399..86_400)
            .step_by(997)
            .chain([0, 29, 30, 561, -561, 19_800])
        {
            let zone = chrono::FixedOffset::east_opt(off).unwrap();
            let want = zone.timestamp_opt(0, 0).unwrap().format("%:z").to_string();
            assert_eq!(utc_offset(off), want, "{off}");
        }
        assert_eq!(utc_offset(0), "+00:00");
        assert_eq!(utc_offset(19_800), "+05:30");
        assert_eq!(utc_offset(-12_600), "-03:30");
        assert_eq!(utc_offset(-36_000), "-10:00");
    }
}
