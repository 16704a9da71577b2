//! A small, fast JSON writer for the hot tokens of `knox json`. It writes exactly what the
//! tokens' `serde::Serialize` implementations write, byte for byte (tests/tests/commands_json.rs
//! compares the bytes on every oracle record); tokens without a fast path go through serde.

use bsm_format::token::{Header, HostAddress, Subject, Width};
use bsm_format::{Address, Token};

use crate::praudit::fmt::uint;

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

/// An object being written: `key` writes the separator and the key.
pub struct Obj<'a> {
    pub out: &'a mut Vec<u8>,
    first: bool,
}

impl<'a> Obj<'a> {
    pub fn new(out: &'a mut Vec<u8>) -> Obj<'a> {
        out.push(b'{');
        Obj { out, first: true }
    }

    /// Writes `"key":` (keys are plain ASCII).
    #[inline(always)]
    pub fn key(&mut self, k: &str) -> &mut Vec<u8> {
        self.out.reserve(k.len() + 24);
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        self.out.push(b'"');
        self.out.extend_from_slice(k.as_bytes());
        self.out.extend_from_slice(b"\":");
        self.out
    }

    #[inline(always)]
    pub fn u64(&mut self, k: &str, v: u64) {
        uint(self.key(k), v);
    }

    #[inline(always)]
    pub fn str(&mut self, k: &str, v: &str) {
        string(self.key(k), v);
    }

    pub fn bytes(&mut self, k: &str, v: &[u8]) {
        bytes(self.key(k), v);
    }

    #[inline(always)]
    pub fn bool(&mut self, k: &str, v: bool) {
        self.key(k)
            .extend_from_slice(if v { b"true" } else { b"false" });
    }

    pub fn addr(&mut self, k: &str, a: &Address) {
        let o = self.key(k);
        o.push(b'"');
        crate::praudit::fmt::addr(o, a);
        o.push(b'"');
    }

    /// A signed number.
    pub fn i64(&mut self, k: &str, v: i64) {
        crate::praudit::fmt::int(self.key(k), v);
    }

    /// `"key":null`
    pub fn null(&mut self, k: &str) {
        self.key(k).extend_from_slice(b"null");
    }

    /// A number, or null.
    pub fn opt_u64(&mut self, k: &str, v: Option<u64>) {
        match v {
            Some(v) => self.u64(k, v),
            None => self.null(k),
        }
    }

    /// A string, or null.
    pub fn opt_str(&mut self, k: &str, v: Option<&str>) {
        match v {
            Some(v) => self.str(k, v),
            None => self.null(k),
        }
    }

    /// A time as the clock writes it.
    pub fn time(&mut self, k: &str, clock: &mut crate::time::Clock, t: bsm_format::Time) {
        let o = self.key(k);
        o.push(b'"');
        clock.write(o, t);
        o.push(b'"');
    }

    pub fn end(self) {
        self.out.push(b'}');
    }
}

/// Appends a JSON array, each item written by `item`.
pub fn array<T>(
    out: &mut Vec<u8>,
    items: impl IntoIterator<Item = T>,
    mut item: impl FnMut(&mut Vec<u8>, T),
) {
    out.push(b'[');
    for (i, x) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        item(out, x);
    }
    out.push(b']');
}

fn width(w: Width) -> &'static str {
    match w {
        Width::W32 => "32",
        Width::W64 => "64",
    }
}

fn time(o: &mut Vec<u8>, t: bsm_format::Time) {
    let mut obj = Obj::new(o);
    obj.u64("sec", t.sec);
    obj.u64("msec", t.msec);
    obj.end();
}

fn header(o: &mut Obj<'_>, h: &Header) {
    o.str("kind", h.kind.id().name().unwrap_or(""));
    o.u64("size", h.size as u64);
    o.u64("version", h.version as u64);
    o.u64("event", h.event.0 as u64);
    o.u64("modifier", h.modifier.bits() as u64);
    match h.host {
        Some(HostAddress::Ip(a)) => o.addr("host", &a),
        Some(HostAddress::Invalid(n)) => o.u64("host", n as u64),
        None => {}
    }
    time(o.key("time"), h.time);
}

fn subject(o: &mut Obj<'_>, s: &Subject) {
    o.str("width", width(s.width));
    o.bool("ex", s.ex);
    o.u64("auid", s.auid as u64);
    o.u64("euid", s.euid as u64);
    o.u64("egid", s.egid as u64);
    o.u64("ruid", s.ruid as u64);
    o.u64("rgid", s.rgid as u64);
    o.u64("pid", s.pid as u64);
    o.u64("sid", s.sid as u64);
    let mut tid = Obj::new(o.key("tid"));
    tid.u64("port", s.tid.port);
    tid.addr("addr", &s.tid.addr);
    tid.end();
}

/// Appends one token as JSON.
pub fn token(out: &mut Vec<u8>, t: &Token<'_>) {
    let name = match t.id().name() {
        Some(n) => n,
        None => {
            let _ = serde_json::to_writer(&mut *out, t);
            return;
        }
    };
    let mut o = Obj::new(out);
    o.str("type", name);
    match t {
        Token::Header(h) => header(&mut o, h),
        Token::Trailer(tr) => {
            o.u64("magic", tr.magic as u64);
            o.u64("size", tr.size as u64);
        }
        Token::File(f) => {
            time(o.key("time"), f.time);
            o.bytes("name", f.name.bytes());
        }
        Token::Path(p) => o.bytes("path", p.bytes()),
        Token::Text(x) => o.bytes("text", x.bytes()),
        Token::Subject(s) | Token::Process(s) => subject(&mut o, s),
        Token::Return(r) => {
            o.str("width", width(r.width));
            o.u64("errno", r.errno.0 as u64);
            o.u64("value", r.value);
        }
        Token::Arg(a) => {
            o.str("width", width(a.width));
            o.u64("argno", a.argno as u64);
            o.u64("value", a.value);
            o.bytes("text", a.text.bytes());
        }
        Token::Attr(a) => {
            o.str("width", width(a.width));
            o.u64("mode", a.mode as u64);
            o.u64("uid", a.uid as u64);
            o.u64("gid", a.gid as u64);
            o.u64("fsid", a.fsid as u64);
            o.u64("nodeid", a.nodeid);
            o.u64("device", a.device);
        }
        Token::ExecArgs(l) | Token::ExecEnv(l) | Token::Krb5Principal(l) | Token::CertHash(l) => {
            o.u64("count", l.count as u64);
            o.u64("present", l.present as u64);
            let a = o.key("strings");
            a.push(b'[');
            for (i, s) in l.iter().enumerate() {
                if i > 0 {
                    a.push(b',');
                }
                bytes(a, s);
            }
            a.push(b']');
        }
        Token::Exit(e) => {
            o.u64("status", e.status as u64);
            o.u64("retval", e.retval as u64);
        }
        Token::Seq(n) => o.u64("seq", *n as u64),
        Token::SockInet(s) => {
            o.u64("family", s.family as u64);
            o.u64("port", bsm_format::token::port_be(s.port) as u64);
            o.addr("addr", &s.addr);
        }
        Token::SockUnix(s) => {
            o.u64("family", s.family as u64);
            o.bytes("path", s.path);
        }
        _ => {
            // No fast path: let serde write it whole, in place of this object.
            o.out
                .truncate(o.out.len() - (b"{\"type\":\"\"".len() + name.len()));
            let _ = serde_json::to_writer(&mut *o.out, t);
            return;
        }
    }
    o.end();
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
}
