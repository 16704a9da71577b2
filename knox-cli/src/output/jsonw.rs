//! A small, fast JSON writer for knox's own objects (records, processes, reports). Tokens are
//! written by `bsm_format::json`, the one writer of the token format.

use crate::output::praudit::fmt::uint;

pub use bsm_format::json::{bytes, string, token};

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

    /// A signed number.
    pub fn i64(&mut self, k: &str, v: i64) {
        crate::output::praudit::fmt::int(self.key(k), v);
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
