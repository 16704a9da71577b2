//! Tokens as JSON: the one writer of the token format that `knox json`, the OCSF export's
//! `unmapped.bsm.tokens` and the tokens' `serde` form share. Each token is an object with its
//! `type` first, then its fields as [`crate::token::fields`] defines them. Bytes from the trail
//! are a string when they are UTF-8 without NUL, else `{"base64": ...}`, so nothing is lost.
//!
//! The writer escapes strings exactly as serde_json does, eight bytes at a time until one needs
//! an escape, and writes numbers in place: it is the hot path of `knox json`.

use crate::token::fields::{Field, Value, Visitor};
use crate::types::{Address, Hex, Uuid};
use crate::Token;

/// For each byte, how a JSON string writes it: 0 as it is, else the letter of its short escape,
/// or `u` for `\u00XX` (the escapes serde_json writes).
const ESCAPE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 0x20 {
        t[c] = b'u';
        c += 1;
    }
    t[0x08] = b'b';
    t[0x09] = b't';
    t[0x0a] = b'n';
    t[0x0c] = b'f';
    t[0x0d] = b'r';
    t[b'"' as usize] = b'"';
    t[b'\\' as usize] = b'\\';
    t
};

/// Whether any of the eight bytes of `w` is a control character, `"` or `\\` (the bytes
/// [`ESCAPE`] escapes).
fn needs_escape(w: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // A byte's high bit is set where the byte is zero (classic SWAR test), ignoring bytes
    // with their own high bit set.
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let below_space = w.wrapping_sub(ONES * 0x20) & !w & HIGH;
    below_space | zero(w ^ (ONES * b'"' as u64)) | zero(w ^ (ONES * b'\\' as u64)) != 0
}

/// Appends a JSON string, escaped as serde_json escapes it: runs of bytes that need nothing are
/// copied whole.
pub fn string(out: &mut Vec<u8>, s: &str) {
    let b = s.as_bytes();
    out.reserve(b.len() + 2);
    out.push(b'"');
    let mut start = 0;
    // Most strings (paths, arguments, names) need no escape: they are scanned eight bytes at
    // a time and copied whole; bytes are looked at one by one from the first word that holds
    // a byte to escape.
    let mut plain = 0;
    while let Some(word) = b.get(plain..plain + 8) {
        let w = u64::from_le_bytes(word.try_into().unwrap_or([0; 8]));
        if needs_escape(w) {
            break;
        }
        plain += 8;
    }
    for (i, &c) in b.iter().enumerate().skip(plain) {
        let e = ESCAPE[c as usize];
        if e == 0 {
            continue;
        }
        out.extend_from_slice(&b[start..i]);
        start = i + 1;
        if e == b'u' {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[(c >> 4) as usize],
                HEX[(c & 15) as usize],
            ]);
        } else {
            out.extend_from_slice(&[b'\\', e]);
        }
    }
    out.extend_from_slice(&b[start..]);
    out.push(b'"');
}

/// Appends bytes losslessly: a string when they are UTF-8 without NUL, else `{"base64": ...}`.
pub fn bytes(out: &mut Vec<u8>, b: &[u8]) {
    match std::str::from_utf8(b) {
        Ok(s) if !s.contains('\0') => string(out, s),
        _ => {
            out.extend_from_slice(b"{\"base64\":\"");
            out.extend_from_slice(
                base64::Engine::encode(&base64::engine::general_purpose::STANDARD, b).as_bytes(),
            );
            out.extend_from_slice(b"\"}");
        }
    }
}

/// Two-digit pairs "00" to "99".
const DIGITS: &[u8; 200] = b"0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// Appends an unsigned decimal.
#[inline(always)]
pub fn uint(out: &mut Vec<u8>, mut n: u64) {
    if n < 10 {
        out.push(b'0' + n as u8);
        return;
    }
    // Room for the longest number is added as a copy of known size (a few instructions) and
    // the digits written in place, then the rest cut off: copying digits made elsewhere would
    // be a call into libc's memmove for every number, or a stall reloading what was just
    // stored.
    let width = n.ilog10() as usize + 1;
    let start = out.len();
    out.extend_from_slice(&[0u8; 20]);
    let buf = &mut out[start..start + width];
    let mut i = width;
    // Four digits per division: half the chain of dependent divisions of two at a time.
    while n >= 10_000 {
        let r = (n % 10_000) as usize;
        n /= 10_000;
        let (hi, lo) = (r / 100 * 2, r % 100 * 2);
        i -= 4;
        buf[i..i + 2].copy_from_slice(&DIGITS[hi..hi + 2]);
        buf[i + 2..i + 4].copy_from_slice(&DIGITS[lo..lo + 2]);
    }
    if n >= 100 {
        let d = (n % 100) as usize * 2;
        n /= 100;
        i -= 2;
        buf[i..i + 2].copy_from_slice(&DIGITS[d..d + 2]);
    }
    if n >= 10 {
        let d = n as usize * 2;
        buf[0..2].copy_from_slice(&DIGITS[d..d + 2]);
    } else {
        buf[0] = b'0' + n as u8;
    }
    out.truncate(start + width);
}

/// Appends `n` in base `1 << bits` (hex: 4, octal: 3), lowercase, no prefix: each digit pushed
/// in place, most significant first.
#[inline(always)]
fn power_of_two_base(out: &mut Vec<u8>, n: u64, bits: u32) {
    const D: &[u8; 16] = b"0123456789abcdef";
    let digits = (u64::BITS - n.leading_zeros()).div_ceil(bits).max(1);
    for k in (0..digits).rev() {
        out.push(D[((n >> (bits * k)) & ((1 << bits) - 1)) as usize]);
    }
}

/// Appends lowercase hex digits (no prefix).
pub fn hex(out: &mut Vec<u8>, n: u64) {
    power_of_two_base(out, n, 4);
}

/// Appends octal digits (no prefix).
pub fn octal(out: &mut Vec<u8>, n: u64) {
    power_of_two_base(out, n, 3);
}

/// Appends a signed decimal.
pub fn int(out: &mut Vec<u8>, n: i64) {
    if n < 0 {
        out.push(b'-');
    }
    uint(out, n.unsigned_abs());
}

/// Appends a short text of at most [`PAD`] bytes held padded in a fixed array: a copy of known
/// size (inlined), then the rest cut off, rather than a call to memmove for a few bytes.
#[inline(always)]
fn padded(out: &mut Vec<u8>, text: &([u8; PAD], usize)) {
    let start = out.len();
    out.extend_from_slice(&text.0);
    out.truncate(start + text.1);
}

/// The width of [`padded`] texts.
const PAD: usize = 32;

/// `text` padded to [`PAD`] bytes (cut if longer).
const fn pad(parts: &[&[u8]]) -> ([u8; PAD], usize) {
    let mut t = [0u8; PAD];
    let mut n = 0;
    let mut p = 0;
    while p < parts.len() {
        let b = parts[p];
        let mut i = 0;
        while i < b.len() && n < PAD {
            t[n] = b[i];
            n += 1;
            i += 1;
        }
        p += 1;
    }
    (t, n)
}

/// Each field's key: `"name":`.
const KEYS: [([u8; PAD], usize); Field::ALL.len()] = {
    let mut t = [([0u8; PAD], 0); Field::ALL.len()];
    let mut i = 0;
    while i < Field::ALL.len() {
        t[i] = pad(&[b"\"", Field::ALL[i].name().as_bytes(), b"\":"]);
        i += 1;
    }
    t
};

/// Each token id's opening: `{"type":"name"` (for the ids with a name).
const TYPES: [([u8; PAD], usize); 256] = {
    let mut t = [([0u8; PAD], 0); 256];
    let mut i = 0;
    while i < 256 {
        if let Some(name) = crate::ids::TokenId(i as u8).name() {
            t[i] = pad(&[b"{\"type\":\"", name.as_bytes(), b"\""]);
        }
        i += 1;
    }
    t
};

/// Appends an address as text: a dotted quad, or IPv6 exactly as the standard library writes
/// it (RFC 5952), without going through the formatting machinery, which costs about a thousand
/// instructions per address.
pub fn address(out: &mut Vec<u8>, a: &Address) {
    match a {
        Address::V4(b) => dotted_quad(out, b),
        Address::V6(b) => ipv6(out, b),
    }
}

/// Each byte's decimal digits, padded to three, and their count.
const OCTETS: [[u8; 4]; 256] = {
    let mut t = [[0u8; 4]; 256];
    let mut i = 0;
    while i < 256 {
        let (h, d, u) = ((i / 100) as u8, (i / 10 % 10) as u8, (i % 10) as u8);
        t[i] = match i {
            0..=9 => [b'0' + u, 0, 0, 1],
            10..=99 => [b'0' + d, b'0' + u, 0, 2],
            _ => [b'0' + h, b'0' + d, b'0' + u, 3],
        };
        i += 1;
    }
    t
};

/// A dotted quad, built in a fixed buffer and appended with one constant-size copy.
fn dotted_quad(out: &mut Vec<u8>, b: &[u8; 4]) {
    let mut buf = [0u8; 16];
    let mut n = 0;
    for (i, &x) in b.iter().enumerate() {
        if i > 0 {
            buf[n] = b'.';
            n += 1;
        }
        let digits = &OCTETS[x as usize];
        buf[n..n + 3].copy_from_slice(&digits[..3]);
        n += digits[3] as usize;
    }
    let end = out.len() + n;
    out.extend_from_slice(&buf);
    out.truncate(end);
}

/// The standard library's form: an IPv4-mapped address as `::ffff:a.b.c.d`; otherwise the
/// groups in lowercase hex without leading zeros, the first longest run of two or more zero
/// groups written as `::`.
fn ipv6(out: &mut Vec<u8>, b: &[u8; 16]) {
    if b[..10] == [0; 10] && b[10..12] == [0xff, 0xff] {
        out.extend_from_slice(b"::ffff:");
        return dotted_quad(out, &[b[12], b[13], b[14], b[15]]);
    }
    let groups: [u16; 8] = std::array::from_fn(|i| u16::from_be_bytes([b[2 * i], b[2 * i + 1]]));
    // The first longest run of zero groups, as (start, length).
    let (mut best, mut run) = ((0, 0), (0, 0));
    for (i, &g) in groups.iter().enumerate() {
        if g != 0 {
            run = (i + 1, 0);
            continue;
        }
        run.1 += 1;
        if run.1 > best.1 {
            best = run;
        }
    }
    let write_groups = |out: &mut Vec<u8>, gs: &[u16]| {
        for (i, &g) in gs.iter().enumerate() {
            if i > 0 {
                out.push(b':');
            }
            hex(out, g as u64);
        }
    };
    if best.1 > 1 {
        write_groups(out, &groups[..best.0]);
        out.extend_from_slice(b"::");
        write_groups(out, &groups[best.0 + best.1..]);
    } else {
        write_groups(out, &groups);
    }
}

/// Appends a field's value.
#[inline(always)]
pub fn value(out: &mut Vec<u8>, v: &Value<'_>) {
    use std::io::Write;
    match v {
        Value::Uint(n) => uint(out, *n),
        Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Str(s) => string(out, s),
        Value::Bytes(b) => bytes(out, b),
        Value::Addr(a) => {
            out.push(b'"');
            address(out, a);
            out.push(b'"');
        }
        Value::Hex(b) => {
            let _ = write!(out, "\"{}\"", Hex(b));
        }
        Value::Uuid(u) => {
            let _ = write!(out, "\"{}\"", Uuid(u));
        }
        Value::Word(w) => {
            let _ = write!(out, "\"{w:#018x}\"");
        }
    }
}

/// Writes a token's fields as JSON members, opening and closing the nested objects.
struct Writer<'o> {
    out: &'o mut Vec<u8>,
    /// The nested object open, if any.
    open: Option<&'static str>,
}

impl Writer<'_> {
    #[inline(always)]
    fn key(&mut self, field: Field) {
        let parent = field.parent();
        if self.open != parent {
            if self.open.is_some() {
                self.out.push(b'}');
            }
            if let Some(p) = parent {
                self.out.extend_from_slice(b",\"");
                self.out.extend_from_slice(p.as_bytes());
                self.out.extend_from_slice(b"\":{");
            } else {
                self.out.push(b',');
            }
            self.open = parent;
        } else {
            self.out.push(b',');
        }
        padded(self.out, &KEYS[field as usize]);
    }
}

impl<'t> Visitor<'t> for Writer<'_> {
    fn token_type(&mut self, name: &str) {
        self.out.extend_from_slice(b"{\"type\":");
        string(self.out, name);
    }

    fn token_id(&mut self, id: crate::ids::TokenId) -> bool {
        let t = &TYPES[id.0 as usize];
        if t.1 == 0 {
            return false;
        }
        padded(self.out, t);
        true
    }

    #[inline(always)]
    fn value(&mut self, field: Field, v: Value<'t>) {
        self.key(field);
        value(self.out, &v);
    }

    fn list(&mut self, field: Field, items: impl Iterator<Item = Value<'t>>) {
        self.key(field);
        self.out.push(b'[');
        for (i, v) in items.enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            value(self.out, &v);
        }
        self.out.push(b']');
    }
}

/// Appends one token as a JSON object.
pub fn token(out: &mut Vec<u8>, t: &Token<'_>) {
    out.reserve(256);
    let mut w = Writer { out, open: None };
    t.visit(&mut w);
    if w.open.is_some() {
        w.out.push(b'}');
    }
    w.out.push(b'}');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_word_test_agrees_with_the_table_for_every_byte_in_every_place() {
        for c in 0..=255u8 {
            for place in 0..8 {
                for fill in [b'a', 0x7f, 0xc3, 0xff, b' '] {
                    let mut word = [fill; 8];
                    word[place] = c;
                    let want = word.iter().any(|&x| ESCAPE[x as usize] != 0);
                    assert_eq!(needs_escape(u64::from_le_bytes(word)), want, "{word:?}");
                }
            }
        }
        // An escape anywhere in a longer string, before and after the word-at-a-time part.
        for len in 0..20 {
            for at in 0..len {
                let mut v = vec![b'x'; len];
                v[at] = b'"';
                let text = String::from_utf8(v).unwrap();
                let mut out = Vec::new();
                string(&mut out, &text);
                assert_eq!(out, serde_json::to_vec(&text).unwrap(), "{text}");
            }
        }
    }

    #[test]
    fn strings_are_written_byte_for_byte_as_serde_json_writes_them() {
        let mut all: String = (0u8..0x80).map(char::from).collect();
        all.push_str("é€😀\u{7f}\u{85}\u{202e}");
        for s in [
            all.as_str(),
            "",
            "plain",
            "\"quoted\" \\ back",
            "tab\there\nnew",
        ] {
            let mut ours = Vec::new();
            string(&mut ours, s);
            assert_eq!(ours, serde_json::to_vec(s).unwrap(), "{s:?}");
        }
    }

    #[test]
    fn numbers_and_addresses_are_written_as_the_standard_library_writes_them() {
        for n in [0u64, 7, 10, 99, 1000, 65535, u32::MAX as u64, u64::MAX] {
            let mut out = Vec::new();
            uint(&mut out, n);
            assert_eq!(out, n.to_string().as_bytes());
        }
        for a in [
            Address::V4([0, 0, 0, 0]),
            Address::V4([192, 168, 10, 255]),
            Address::V6([0; 16]),
            Address::V6([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
        ] {
            let mut out = Vec::new();
            address(&mut out, &a);
            assert_eq!(out, a.ip().to_string().as_bytes());
        }
    }

    #[test]
    fn hex_and_octal_have_every_digit_count() {
        for shift in 0..64 {
            for n in [1u64 << shift, (1u64 << shift) - 1, (1u64 << shift) | 0x5a5a] {
                let (mut h, mut o) = (Vec::new(), Vec::new());
                hex(&mut h, n);
                octal(&mut o, n);
                assert_eq!(h, format!("{n:x}").as_bytes());
                assert_eq!(o, format!("{n:o}").as_bytes());
            }
        }
        let (mut h, mut o) = (Vec::new(), Vec::new());
        hex(&mut h, u64::MAX);
        octal(&mut o, u64::MAX);
        assert_eq!(
            (h, o),
            (
                format!("{:x}", u64::MAX).into(),
                format!("{:o}", u64::MAX).into()
            )
        );
    }

    #[test]
    fn every_octet_in_a_dotted_quad_is_written_as_the_standard_library_writes_it() {
        for x in 0..=255u8 {
            for a in [[x, 0, 255, x], [7, x, 10, 100], [255, 255, x, 9]] {
                let mut out = b"x".to_vec();
                address(&mut out, &Address::V4(a));
                assert_eq!(out, format!("x{}", std::net::Ipv4Addr::from(a)).as_bytes());
            }
        }
    }

    #[test]
    fn ipv6_is_written_as_the_standard_library_writes_it() {
        // Every pattern of zero and non-zero groups, with group values of each digit count,
        // then the special forms (mapped, compatible, loopback, all zero but one byte).
        let fills: [u16; 6] = [1, 0xf, 0xab, 0x0d0, 0x1234, 0xffff];
        let mut cases = Vec::new();
        for mask in 0u32..256 {
            for (k, _) in fills.iter().enumerate() {
                let mut b = [0u8; 16];
                for g in 0..8 {
                    if mask & (1 << g) != 0 {
                        let v = fills[(k + g) % fills.len()];
                        b[2 * g..2 * g + 2].copy_from_slice(&v.to_be_bytes());
                    }
                }
                cases.push(b);
            }
        }
        let mut mapped = [0u8; 16];
        mapped[10..].copy_from_slice(&[0xff, 0xff, 10, 0, 0, 1]);
        let mut almost_mapped = mapped;
        almost_mapped[9] = 1;
        let mut compatible = [0u8; 16];
        compatible[12..].copy_from_slice(&[192, 168, 1, 1]);
        let mut mapped_zero = [0u8; 16];
        mapped_zero[10..12].copy_from_slice(&[0xff, 0xff]);
        cases.extend([mapped, almost_mapped, compatible, mapped_zero]);
        for i in 0..16 {
            let mut b = [0u8; 16];
            b[i] = 1;
            cases.push(b);
        }
        for b in cases {
            let mut out = Vec::new();
            address(&mut out, &Address::V6(b));
            let want = std::net::Ipv6Addr::from(b).to_string();
            assert_eq!(String::from_utf8(out).unwrap(), want, "{b:?}");
        }
    }
}
