//! Small formatting helpers for praudit output: numbers, times, error texts and escaping. They
//! append to a byte buffer, which the driver writes out in large pieces.

use bsm_format::{BsmErrno, Time};
use chrono::TimeZone;

/// Numbers and addresses are written as in knox's JSON (as the standard library writes them).
pub use bsm_format::json::{address as addr, hex, int, octal, uint};

/// Appends `0x` then hex digits, as C's `0x%x` (so 0 prints `0x0`).
pub fn hex0x(out: &mut Vec<u8>, n: u64) {
    out.extend_from_slice(b"0x");
    hex(out, n);
}

/// Appends C's `%#x`: `0x` then hex digits, except that 0 prints `0`.
pub fn alt_hex(out: &mut Vec<u8>, n: u64) {
    if n == 0 {
        out.push(b'0');
    } else {
        hex0x(out, n);
    }
}

/// Appends bytes as `0x` + lowercase hex pairs.
pub fn hex_bytes(out: &mut Vec<u8>, b: &[u8]) {
    const D: &[u8; 16] = b"0123456789abcdef";
    out.extend_from_slice(b"0x");
    for &x in b {
        out.push(D[(x >> 4) as usize]);
        out.push(D[(x & 15) as usize]);
    }
}

/// praudit's text for a return status: `success`, `failure : <BSD description>`, or
/// `failure: Unknown error: N` for numbers BSM does not describe. The descriptions are BSD's, as
/// praudit prints them on macOS and FreeBSD, whatever the host knox runs on.
pub fn errno_text(out: &mut Vec<u8>, e: BsmErrno) {
    if e.is_success() {
        out.extend_from_slice(b"success");
        return;
    }
    match e.description().filter(|d| !d.is_empty()) {
        Some(d) => {
            out.extend_from_slice(b"failure : ");
            out.extend_from_slice(d.as_bytes());
        }
        None => {
            out.extend_from_slice(b"failure: Unknown error: ");
            uint(out, e.0 as u64);
        }
    }
}

/// Formats seconds the way C's `ctime` does (`Tue Nov 14 22:13:20 2023`), in the local time
/// zone (`TZ` honoured) or in UTC. Keeps the last second's text, since records come many per
/// second.
#[derive(Debug, Clone)]
pub struct Ctime {
    utc: bool,
    sec: Option<u64>,
    text: Vec<u8>,
}

const CTIME: &str = "%a %b %e %H:%M:%S %Y";

impl Ctime {
    pub fn new(utc: bool) -> Ctime {
        Ctime {
            utc,
            sec: None,
            text: Vec::new(),
        }
    }

    pub fn write(&mut self, out: &mut Vec<u8>, sec: u64) {
        if self.sec != Some(sec) {
            self.text.clear();
            format_ctime(self.utc, sec, &mut self.text);
            self.sec = Some(sec);
        }
        out.extend_from_slice(&self.text);
    }
}

/// `sec` in ctime's form; a time chrono cannot place prints as the bare number.
fn format_ctime(utc: bool, sec: u64, out: &mut Vec<u8>) {
    let Ok(s) = i64::try_from(sec) else {
        return uint(out, sec);
    };
    let done = if utc {
        chrono::Utc
            .timestamp_opt(s, 0)
            .single()
            .map(|t| ctime_fields(&t, out))
    } else {
        chrono::Local
            .timestamp_opt(s, 0)
            .single()
            .map(|t| ctime_fields(&t, out))
    };
    if done.is_none() {
        uint(out, sec);
    }
}

/// Writes ctime's fields directly for years of four digits (strftime and its string cost more
/// than the rest of a record's header); other years go through strftime's `%Y`.
fn ctime_fields<Tz: chrono::TimeZone>(t: &chrono::DateTime<Tz>, out: &mut Vec<u8>)
where
    Tz::Offset: std::fmt::Display,
{
    use chrono::{Datelike, Timelike};
    const DAYS: [&[u8; 3]; 7] = [b"Mon", b"Tue", b"Wed", b"Thu", b"Fri", b"Sat", b"Sun"];
    const MONTHS: [&[u8; 3]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    let year = t.year();
    if !(0..=9999).contains(&year) {
        out.extend_from_slice(t.format(CTIME).to_string().as_bytes());
        return;
    }
    let two = |out: &mut Vec<u8>, n: u32, pad: u8| {
        out.push(if n < 10 { pad } else { b'0' + (n / 10) as u8 });
        out.push(b'0' + (n % 10) as u8);
    };
    out.extend_from_slice(DAYS[t.weekday().num_days_from_monday() as usize]);
    out.push(b' ');
    out.extend_from_slice(MONTHS[t.month0() as usize]);
    out.push(b' ');
    two(out, t.day(), b' ');
    out.push(b' ');
    two(out, t.hour(), b'0');
    out.push(b':');
    two(out, t.minute(), b'0');
    out.push(b':');
    two(out, t.second(), b'0');
    out.push(b' ');
    two(out, year as u32 / 100, b'0');
    two(out, year as u32 % 100, b'0');
}

/// The header's time as praudit prints it: `<ctime><delim> + <msec> msec`.
pub fn time_text(out: &mut Vec<u8>, ctime: &mut Ctime, t: Time, delim: &[u8]) {
    ctime.write(out, t.sec);
    out.extend_from_slice(delim);
    msec_text(out, t);
}

/// ` + <msec> msec` (msec masked to 32 bits, as praudit does).
pub fn msec_text(out: &mut Vec<u8>, t: Time) {
    out.extend_from_slice(b" + ");
    uint(out, t.msec & 0xffff_ffff);
    out.extend_from_slice(b" msec");
}

/// Appends a counted string as praudit prints it in text modes: raw bytes, NULs skipped.
pub fn raw_text(out: &mut Vec<u8>, b: &[u8]) {
    let b = b.strip_suffix(&[0]).unwrap_or(b);
    if has_nul(b) {
        out.extend(b.iter().copied().filter(|&c| c != 0));
    } else {
        out.extend_from_slice(b);
    }
}

/// Whether `b` holds a NUL, looked for eight bytes at a time. Text fields are mostly short
/// paths and arguments, for which memchr's dispatch costs more than the scan.
fn has_nul(b: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    let mut words = b.chunks_exact(8);
    for w in &mut words {
        let w = u64::from_le_bytes(w.try_into().unwrap_or([1; 8]));
        // Non-zero exactly when a byte of w is zero (the borrow of a zero byte sets its top
        // bit, which `!w` keeps only where the byte had it clear).
        if w.wrapping_sub(ONES) & !w & (ONES << 7) != 0 {
            return true;
        }
    }
    words.remainder().contains(&0)
}

/// Appends a string with control characters made visible, for `--safe` text output and the
/// knox-native tools: BSD vis(3) style (`\^A`, `\M-x`, `\\`), tab and newline as `\t` and `\n`.
pub fn safe_text(out: &mut Vec<u8>, b: &[u8]) {
    for &c in b {
        match c {
            0 => {}
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            0x20..=0x7e => out.push(c),
            _ => vis_byte(out, c),
        }
    }
}

/// BSD vis(3) encoding of one non-printable byte: `\^X` for controls, `\M-x` / `\M^X` for
/// bytes with the high bit set.
pub fn vis_byte(out: &mut Vec<u8>, c: u8) {
    out.push(b'\\');
    let mut c = c;
    if c & 0x80 != 0 {
        out.push(b'M');
        c &= 0x7f;
        if c < 0x20 || c == 0x7f {
            out.push(b'^');
            out.push(if c == 0x7f { b'?' } else { c + b'@' });
        } else {
            out.push(b'-');
            out.push(c);
        }
    } else {
        out.push(b'^');
        out.push(if c == 0x7f { b'?' } else { c + b'@' });
    }
}

/// vis(3) encoding of one byte for XML: the encoding's own characters escaped too (a byte such
/// as 0xa2 becomes `\M-"`, whose quote must not end an attribute).
fn vis_byte_xml(out: &mut Vec<u8>, c: u8) {
    let mut v = Vec::with_capacity(4);
    vis_byte(&mut v, c);
    for x in v {
        match x {
            b'&' => out.extend_from_slice(b"&amp;"),
            b'<' => out.extend_from_slice(b"&lt;"),
            b'>' => out.extend_from_slice(b"&gt;"),
            b'"' => out.extend_from_slice(b"&quot;"),
            b'\'' => out.extend_from_slice(b"&apos;"),
            x => out.push(x),
        }
    }
}

/// Where an XML string goes: element content or an attribute value.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum XmlPlace {
    Content,
    Attribute,
}

/// Appends text so that the XML stays well-formed and otherwise unchanged: `&` and `<` (and `"`
/// in attributes, `>` after `]]`) become entities, valid UTF-8 passes through, and bytes XML
/// cannot carry (controls other than tab and newline, invalid UTF-8) are vis-encoded, NULs
/// inside the text as `\^@` (the terminating NULs are not text).
pub fn xml_text(out: &mut Vec<u8>, b: &[u8], place: XmlPlace) {
    let b = without_terminator(b);
    // Fast path: printable ASCII with nothing to escape.
    if b.iter()
        .all(|&c| (0x20..0x7f).contains(&c) && !matches!(c, b'&' | b'<' | b'"' | b'>'))
    {
        out.extend_from_slice(b);
        return;
    }
    let mut rest = b;
    while !rest.is_empty() {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                xml_str(out, s, place);
                return;
            }
            Err(e) => {
                let (good, bad) = rest.split_at(e.valid_up_to());
                // Cannot fail: `good` is the valid prefix.
                xml_str(out, std::str::from_utf8(good).unwrap_or(""), place);
                let n = e.error_len().unwrap_or(bad.len());
                for &c in &bad[..n] {
                    vis_byte_xml(out, c);
                }
                rest = &bad[n..];
            }
        }
    }
}

fn xml_str(out: &mut Vec<u8>, s: &str, place: XmlPlace) {
    let b = s.as_bytes();
    for (i, ch) in s.char_indices() {
        let c = ch as u32;
        match ch {
            '\0' => vis_byte_xml(out, 0),
            '&' => out.extend_from_slice(b"&amp;"),
            '<' => out.extend_from_slice(b"&lt;"),
            '"' if place == XmlPlace::Attribute => out.extend_from_slice(b"&quot;"),
            '>' if i >= 2 && &b[i - 2..i] == b"]]" => out.extend_from_slice(b"&gt;"),
            '\t' | '\n' => out.push(c as u8),
            _ if c < 0x20 || c == 0x7f => vis_byte_xml(out, c as u8),
            // Characters XML 1.0 does not allow at all.
            '\u{fffe}' | '\u{ffff}' => {
                let mut tmp = [0u8; 4];
                for &x in ch.encode_utf8(&mut tmp).as_bytes() {
                    vis_byte_xml(out, x);
                }
            }
            _ => {
                let mut tmp = [0u8; 4];
                out.extend_from_slice(ch.encode_utf8(&mut tmp).as_bytes());
            }
        }
    }
}

/// Escapes, in place, what was appended to `out` since `start` (for names written straight
/// into the output, which almost never need it).
pub fn xml_escape_tail(out: &mut Vec<u8>, start: usize, place: XmlPlace) {
    let tail = &out[start..];
    if tail
        .iter()
        .all(|&c| (0x20..0x7f).contains(&c) && !matches!(c, b'&' | b'<' | b'"' | b'>'))
    {
        return;
    }
    let raw = out.split_off(start);
    xml_text(out, &raw, place);
}

/// The text of a string: without the NULs that end it.
fn without_terminator(b: &[u8]) -> &[u8] {
    let end = b.iter().rposition(|&c| c != 0).map_or(0, |i| i + 1);
    &b[..end]
}

/// praudit's own escaping of exec arguments and environment in XML: the five XML entities,
/// backslash doubled, and every byte outside printable ASCII (but tab and newline) vis-encoded,
/// NULs inside the text included.
pub fn xml_vis(out: &mut Vec<u8>, b: &[u8]) {
    for &c in without_terminator(b) {
        match c {
            0 => vis_byte_xml(out, 0),
            b'&' => out.extend_from_slice(b"&amp;"),
            b'<' => out.extend_from_slice(b"&lt;"),
            b'>' => out.extend_from_slice(b"&gt;"),
            b'"' => out.extend_from_slice(b"&quot;"),
            b'\'' => out.extend_from_slice(b"&apos;"),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\t' | b'\n' | 0x20..=0x7e => out.push(c),
            _ => vis_byte_xml(out, c),
        }
    }
}

/// A UUID in its canonical 8-4-4-4-12 form.
pub fn uuid(out: &mut Vec<u8>, u: &[u8; 16]) {
    out.extend_from_slice(bsm_format::types::Uuid(u).to_string().as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(mut f: impl FnMut(&mut Vec<u8>)) -> String {
        let mut v = Vec::new();
        f(&mut v);
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn numbers_print_like_c() {
        assert_eq!(s(|o| int(o, -1)), "-1");
        assert_eq!(s(|o| uint(o, u64::MAX)), "18446744073709551615");
        for n in [
            0,
            7,
            10,
            99,
            100,
            101,
            999,
            1000,
            65535,
            1_700_000_000,
            4_294_967_295,
        ] {
            assert_eq!(s(|o| uint(o, n)), n.to_string());
        }
        for n in [0, 1, 9, 15, 16, 255, 0o777, 0xdead_beef, u64::MAX] {
            assert_eq!(s(|o| hex(o, n)), format!("{n:x}"));
            assert_eq!(s(|o| octal(o, n)), format!("{n:o}"));
        }
        for k in 0..20u32 {
            for n in [10u64.pow(k), 10u64.pow(k) - 1, 10u64.pow(k) + 1] {
                assert_eq!(s(|o| uint(o, n)), n.to_string());
            }
        }
        // Appends after what the buffer holds.
        let mut v = b"x=".to_vec();
        uint(&mut v, 1234);
        assert_eq!(v, b"x=1234");
        assert_eq!(s(|o| alt_hex(o, 0)), "0");
        assert_eq!(s(|o| alt_hex(o, 80)), "0x50");
        assert_eq!(s(|o| hex0x(o, 0)), "0x0");
        assert_eq!(s(|o| octal(o, 0o100644)), "100644");
        assert_eq!(s(|o| hex_bytes(o, &[0, 0xab])), "0x00ab");
    }

    #[test]
    fn errno_texts_are_bsd() {
        assert_eq!(s(|o| errno_text(o, BsmErrno(0))), "success");
        assert_eq!(
            s(|o| errno_text(o, BsmErrno(145))),
            "failure : Operation timed out"
        );
        assert_eq!(
            s(|o| errno_text(o, BsmErrno(250))),
            "failure: Unknown error: 250"
        );
        assert_eq!(
            s(|o| errno_text(o, BsmErrno(100))),
            "failure: Unknown error: 100"
        );
    }

    #[test]
    fn ctime_in_utc() {
        let mut c = Ctime::new(true);
        assert_eq!(s(|o| c.write(o, 1_700_000_000)), "Tue Nov 14 22:13:20 2023");
        assert_eq!(s(|o| c.write(o, 0)), "Thu Jan  1 00:00:00 1970");
        assert_eq!(s(|o| c.write(o, 4294967295)), "Sun Feb  7 06:28:15 2106");
        // Years past 9999 take strftime's form, and a time chrono cannot hold is the number.
        assert_eq!(
            s(|o| c.write(o, 253_402_300_800)),
            "Sat Jan  1 00:00:00 +10000"
        );
        assert_eq!(s(|o| c.write(o, u64::MAX)), u64::MAX.to_string());
    }

    #[test]
    fn has_nul_finds_a_nul_at_every_place_among_any_bytes() {
        for len in 0..40 {
            for fill in [1u8, 0x7f, 0x80, 0xff, b'a'] {
                let mut b = vec![fill; len];
                assert!(!has_nul(&b), "{b:?}");
                for at in 0..len {
                    b[at] = 0;
                    assert!(has_nul(&b), "{b:?}");
                    b[at] = 0x01;
                    assert!(!has_nul(&b), "{b:?}");
                    b[at] = fill;
                }
            }
        }
        assert_eq!(s(|o| raw_text(o, b"a\0b\0c\0")), "abc");
        assert_eq!(
            s(|o| raw_text(o, b"/usr/bin/long-enough-name\0")),
            "/usr/bin/long-enough-name"
        );
    }

    #[test]
    fn ctime_fields_are_strftimes() {
        // Seconds spread over 1970..10000 (a prime step, so every field takes many values),
        // in UTC and in a zone east of it, each written as chrono's strftime writes it.
        let east = chrono::FixedOffset::east_opt(5 * 3600 + 1800).unwrap();
        let mut sec = 0i64;
        while sec < 253_402_300_799 {
            let mut c = Ctime::new(true);
            let want = chrono::Utc
                .timestamp_opt(sec, 0)
                .unwrap()
                .format(CTIME)
                .to_string();
            assert_eq!(s(|o| c.write(o, sec as u64)), want);
            let t = east.timestamp_opt(sec, 0).unwrap();
            assert_eq!(s(|o| ctime_fields(&t, o)), t.format(CTIME).to_string());
            sec += 9_999_991;
        }
    }

    #[test]
    fn vis_and_xml_escaping() {
        assert_eq!(
            s(|o| xml_vis(o, "café\x01\x7f\u{ff}".as_bytes())),
            "caf\\M-C\\M-)\\^A\\^?\\M-C\\M-?"
        );
        assert_eq!(s(|o| xml_vis(o, &[0xff])), "\\M^?");
        assert_eq!(s(|o| xml_vis(o, b"<a&'\\")), "&lt;a&amp;&apos;\\\\");
        assert_eq!(
            s(|o| xml_text(o, b"/tmp/<a&b>\"q\"'s'", XmlPlace::Content)),
            "/tmp/&lt;a&amp;b>\"q\"'s'"
        );
        assert_eq!(s(|o| xml_text(o, b"a\"b", XmlPlace::Attribute)), "a&quot;b");
        assert_eq!(
            s(|o| xml_text(o, b"x/\x01\x7f\xff caf\xc3\xa9", XmlPlace::Content)),
            "x/\\^A\\^?\\M^? café"
        );
        assert_eq!(s(|o| xml_text(o, b"]]>", XmlPlace::Content)), "]]&gt;");
        // A NUL inside text is shown, the terminator is not.
        assert_eq!(s(|o| xml_text(o, b"a\0b\0", XmlPlace::Content)), "a\\^@b");
        assert_eq!(s(|o| xml_vis(o, b"x\0y\0\0")), "x\\^@y");
        // fuzz crash: 0xa2 vis-encodes as \M-" and its quote must be escaped in an attribute.
        assert_eq!(
            s(|o| xml_text(o, b"\xa2\xa6", XmlPlace::Attribute)),
            "\\M-&quot;\\M-&amp;"
        );
        assert_eq!(
            s(|o| safe_text(o, b"a\tb\n\x1b[31m\\")),
            "a\\tb\\n\\^[[31m\\\\"
        );
    }
}
